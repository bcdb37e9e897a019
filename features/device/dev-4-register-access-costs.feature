Feature: DEV-4 Memory-mapped registers beat I/O ports, block transfers beat single accesses, misaligned strings are split
  A device's registers can be reached through a memory range or an I/O-port
  range; memory ranges are accessed much faster, so a design should avoid
  I/O ranges. Moving many elements in one block (string) transfer beats one
  call per element. Every access on the bus is naturally aligned, so a block
  transfer that starts at an address not aligned to its element size is
  split into smaller accesses (seed 002).

  Status: checked in simulated time and in bus accesses counted by the bus.

  Background:
    Given a machine with 8 GiB of RAM

  @rule:DEV-4 @seed:002 @severity:critical
  Scenario Outline: Reading 4 KiB of the FIFO by <faster> beats <slower>
    When the driver reads 4 KiB from the DMA test device's FIFO by "<faster>"
    And the driver reads 4 KiB from the DMA test device's FIFO by "<slower>"
    Then every FIFO read delivered the device's stream intact
    And "<faster>" took less simulated time than "<slower>"

    Examples:
      | faster                                          | slower                                           |
      | single reads through the memory-mapped register | single reads through the I/O port                |
      | one block read through the memory-mapped register | one block read through the I/O port            |
      | one block read through the I/O port             | single reads through the I/O port                |
      | one block read through the memory-mapped register | single reads through the memory-mapped register |

  @rule:DEV-4 @seed:002
  Scenario Outline: A block write of 2 ULONGs at offset <offset> takes <accesses> bus accesses
    When the driver writes 2 ULONGs into the DMA test device's memory window at offset <offset> in one block transfer
    Then the transfer took <accesses> bus accesses
    And the bytes landed in place in the memory window

    Examples:
      | offset | accesses |
      | 0x200  | 2        |
      | 0x302  | 3        |
      | 0x301  | 4        |
      | 0x303  | 4        |
