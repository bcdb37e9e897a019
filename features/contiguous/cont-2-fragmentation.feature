Feature: CONT-2 Physically contiguous memory fragments as the machine runs
  Right after boot almost all of RAM is one long run of free frames, and a
  request for a large physically contiguous buffer succeeds. As the machine
  runs, pages are handed out one at a time all over RAM; later, the same
  request fails even though much more memory than it asks for is free,
  because no run of free frames is long enough (seeds 000 and 002).

  Status: checked. The suite observes the allocation succeed at boot and
  fail later with plenty of memory free.

  Background:
    Given a machine with 128 MiB of RAM
    And a machine whose non-paged pool is 48 MiB
    And a machine whose paged pool is 8 MiB

  @rule:CONT-2 @seed:002 @severity:critical
  Scenario: The same contiguous buffer succeeds at boot and fails later with memory to spare
    When the driver "cont.sys" allocates 256 KiB of contiguous memory as buffer "early"
    Then the call succeeds
    When the driver "cont.sys" frees contiguous buffer "early"
    And drivers take 43 MiB of non-paged pool one page at a time
    Then at least 64 MiB of RAM is free
    When the driver "cont.sys" allocates 256 KiB of contiguous memory as buffer "late"
    Then MmAllocateContiguousMemorySpecifyCache returns NULL

  @rule:CONT-2 @seed:000
  Scenario: A common buffer meets the same fragmentation
    Given the driver "cont.sys" has DMA adapter "X" for the DMA test device
    When the driver "cont.sys" allocates common buffer "early" of 256 KiB on adapter "X"
    Then the call succeeds
    When the driver "cont.sys" frees common buffer "early"
    And drivers take 43 MiB of non-paged pool one page at a time
    Then at least 64 MiB of RAM is free
    When the driver "cont.sys" allocates common buffer "late" of 256 KiB on adapter "X"
    Then AllocateCommonBuffer returns NULL
