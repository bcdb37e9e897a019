Feature: CONT-5 A very large buffer can fail for lack of page-table entries, and a smaller one succeeds
  Contiguous memory and common buffers are mapped into system space through
  system page-table entries, one per page. A very large buffer needs a long
  run of them, and the request fails when there is none, even with the
  memory itself free; the documented remedy is to ask again for less
  (seeds 002 and 003).

  Status: enforced. The allocation returns NULL; the smaller retry succeeds.

  Background:
    Given a machine with 8 GiB of RAM
    And a machine whose system PTEs are limited to 1024

  @rule:CONT-5 @seed:002 @severity:critical
  Scenario: Contiguous memory too large for the system PTEs fails; half of it succeeds
    When the driver "big.sys" allocates 8 MiB of contiguous memory as buffer "huge"
    Then MmAllocateContiguousMemorySpecifyCache returns NULL
    And fewer system PTEs are free than 8 MiB needs
    And at least 4 GiB of RAM is free
    When the driver "big.sys" allocates 2 MiB of contiguous memory as buffer "smaller"
    Then the call succeeds

  @rule:CONT-5 @seed:002
  Scenario: A common buffer too large for the system PTEs fails the same way
    Given the driver "big.sys" has DMA adapter "X" for the DMA test device
    When the driver "big.sys" allocates common buffer "huge" of 8 MiB on adapter "X"
    Then AllocateCommonBuffer returns NULL
    When the driver "big.sys" allocates common buffer "smaller" of 2 MiB on adapter "X"
    Then the call succeeds
