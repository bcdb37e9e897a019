Feature: DEV-6 Peer to peer, one device writes straight into another device's memory
  A bus-master device can be programmed with the bus address of another
  device's memory range, such as a GPU's memory BAR. The transfer then goes
  from device to device across the bus, and no byte of it passes through
  host RAM (seed 002).

  Status: checked. The suite reads the GPU's memory and the bus's counts of
  bytes carried to and from RAM. MmMapIoSpace maps such a range for the CPU;
  a range that is no physical memory at all (one whose end wraps past 2^64,
  or lies above the 52 bits of physical address x64 defines) cannot be
  mapped, and MmMapIoSpace returns NULL, as its documentation says it does
  when the range cannot be mapped: the driver's own handling decides what
  follows.

  Background:
    Given a machine with 8 GiB of RAM
    And the driver "p2p.sys" has enabled bus mastering on the DMA test device
    And the GPU has allocated 256 KiB of its memory as "G"

  @rule:DEV-6 @seed:002 @severity:critical
  Scenario: The DMA test device writes into GPU memory and host RAM sees nothing of it
    When the DMA test device writes 256 KiB of its data into GPU memory "G"
    Then the DMA test device reports the transfer done
    And GPU memory "G" holds the DMA test device's data
    And the bus carried all of that transfer from device to device
    And no byte of that transfer crossed host RAM
    And no host RAM frame was touched by that transfer

  @rule:DEV-6 @seed:002
  Scenario: The DMA test device reads from GPU memory the same way
    Given GPU memory "G" holds the DMA test device's expected data
    When the DMA test device reads 256 KiB from GPU memory "G"
    Then the DMA test device reports the transfer done
    And the DMA test device found every byte it read as expected
    And no byte of that transfer crossed host RAM

  @rule:DEV-6 @seed:002
  Scenario: MmMapIoSpace maps another device's memory into system space, and returns NULL for a range that is no physical memory
    Given GPU memory "G" holds the DMA test device's expected data
    When the driver "p2p.sys" maps GPU memory "G" with MmMapIoSpace
    Then the call succeeds
    And the MmMapIoSpace mapping of GPU memory "G" leads to its bus address
    When the driver "p2p.sys" maps 64 KiB starting 4 KiB below the top of the 64-bit address space with MmMapIoSpace
    Then MmMapIoSpace returns NULL
    When the driver "p2p.sys" maps 4 KiB at physical address 0x10000000000000 with MmMapIoSpace
    Then MmMapIoSpace returns NULL
