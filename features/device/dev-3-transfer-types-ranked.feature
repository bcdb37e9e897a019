Feature: DEV-3 For large data, DMA beats programmed I/O, and polling beats interrupts
  An application's data can come from a device four ways: blocking block
  reads, non-blocking single reads, DMA whose end is signalled by an
  interrupt, and DMA whose end the driver finds by polling the device's
  status. For large amounts of data they rank, slowest to fastest, in that
  order: programmed I/O pays for every few bytes, DMA moves the data at
  the link's speed, and polling saves the interrupt's latency and the ISR
  and DPC that follow it. For a few bytes the ranking does not hold: setting
  up DMA costs more than one register read (seed 002).

  Status: checked in simulated time. Each way moves the same bytes of the
  DMA test device's data into the application's memory; the suite compares
  the simulated time each took, as the cost table (src/machine/cost-model.ts)
  charges it.

  Background:
    Given a machine with 8 GiB of RAM
    And a process "app.exe"

  @rule:DEV-3 @seed:002 @severity:critical
  Scenario: Moving 256 KiB, the four ways rank as the seed says
    When "app.exe" moves 256 KiB from the DMA test device into its memory by each transfer type
    Then every transfer type delivered the device's data intact
    And the transfer types rank from slowest to fastest as:
      | transfer type                |
      | blocking block transfer      |
      | non-blocking single accesses |
      | DMA with interrupts          |
      | DMA with polling             |

  @rule:DEV-3 @seed:002
  Scenario Outline: Moving 256 KiB, "<slower>" takes longer than "<faster>"
    When "app.exe" moves 256 KiB from the DMA test device into its memory by "<slower>"
    And "app.exe" moves 256 KiB from the DMA test device into its memory by "<faster>"
    Then "<faster>" took less simulated time than "<slower>"

    Examples:
      | slower                       | faster                       |
      | blocking block transfer      | non-blocking single accesses |
      | non-blocking single accesses | DMA with interrupts          |
      | DMA with interrupts          | DMA with polling             |

  @rule:DEV-3 @seed:002
  Scenario: For four bytes, one register read is faster than setting up DMA
    When "app.exe" moves 4 bytes from the DMA test device into its memory by "non-blocking single accesses"
    And "app.exe" moves 4 bytes from the DMA test device into its memory by "DMA with polling"
    Then "non-blocking single accesses" took less simulated time than "DMA with polling"
