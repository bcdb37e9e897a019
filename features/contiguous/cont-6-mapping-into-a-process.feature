Feature: CONT-6 Mapping a DMA buffer into a process needs free address space in that process
  A driver that shares a DMA buffer with an application maps it into the
  application's address space (MmMapLockedPagesSpecifyCache in user mode,
  in that process's context). Besides the memory itself this needs a free
  range of the process's virtual address space; a process that has used its
  address space up gets an exception with STATUS_INSUFFICIENT_RESOURCES,
  while another process can still map the same buffer (seeds 000 and 002).

  Status: enforced. The memory manager raises the documented status.

  Background:
    Given a machine with 8 GiB of RAM
    And the driver "share.sys" has DMA adapter "X" for the DMA test device
    And the driver "share.sys" has allocated common buffer "C" of 64 KiB on adapter "X"
    And the driver "share.sys" writes the pattern "shared" into common buffer "C"

  @rule:CONT-6 @seed:002
  Scenario: A process with address space to spare sees the buffer through its mapping
    Given a process "roomy.exe"
    When the driver "share.sys" maps common buffer "C" into "roomy.exe"
    Then the call succeeds
    And "roomy.exe" reads the pattern "shared" through its mapping of common buffer "C"

  @rule:CONT-6 @seed:002 @severity:critical
  Scenario: A process whose address space is used up cannot map the buffer
    Given a process "full.exe"
    And a process "roomy.exe"
    And "full.exe" has used up its address space
    When the driver "share.sys" maps common buffer "C" into "full.exe"
    Then the call raises STATUS_INSUFFICIENT_RESOURCES
    And the driver "share.sys" holds no MDL
    When the driver "share.sys" maps common buffer "C" into "roomy.exe"
    Then the call succeeds
