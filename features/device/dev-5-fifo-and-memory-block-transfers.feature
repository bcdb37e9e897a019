Feature: DEV-5 A FIFO transfer stays on one device address; a memory-block transfer advances both
  In a FIFO (non-incrementing) transfer every element goes through the same
  device address, a data port, while the buffer address advances; the
  elements come out in stream order. In a memory-block transfer both the
  device address and the buffer address advance, so the elements land in
  consecutive device locations (seed 002).

  Status: checked. The suite watches the device addresses each bus access
  hits.

  Background:
    Given a machine with 8 GiB of RAM

  @rule:DEV-5 @seed:002 @severity:critical
  Scenario: A FIFO read of 16 ULONGs hits the data port 16 times
    When the driver reads 16 ULONGs from the DMA test device's FIFO port in one FIFO transfer
    Then the transfer took 16 bus accesses
    And every access of the transfer hit the same device address
    And the buffer holds the device's stream in order

  @rule:DEV-5 @seed:002
  Scenario: A memory-block read of 16 ULONGs walks the memory window
    When the driver writes 16 ULONGs into the DMA test device's memory window at offset 0x100 and reads them back in one memory-block transfer
    Then the transfer took 16 bus accesses
    And each access of the transfer hit the device address after the previous one's
    And the buffer holds what was written, in order
