Feature: SG-1 The device description decides the adapter and its map registers
  Every DMA mapping starts from a DMA adapter that IoGetDmaAdapter returns
  for the device. The driver describes the device: a bus master, whether it
  addresses 32 or 64 bits, whether it takes scatter/gather lists, and the
  longest transfer it will map. From that the HAL decides how many map
  registers the adapter gets: one per page of the longest transfer plus one
  for an unaligned start. A device that cannot reach all of RAM needs bounce
  pages below 4 GiB for its registers, which are scarce, so it may get fewer
  than it asks for. A request for more map registers than were granted is
  refused (seeds 001 and 003).

  Status: enforced. The HAL grants the registers and refuses more; the DMA
  verifier reports a request above the grant, for an adapter channel
  (VER-TOO-MANY-MAP-REGISTERS) and for a scatter/gather list
  (VER-MAP-REGISTERS-BEYOND-GRANT).

  @rule:SG-1 @seed:001
  Scenario Outline: <bits>-bit addressing and transfers of up to <maximum> on a machine with <ram> of RAM give <registers> map registers
    Given a machine with <ram> of RAM
    When the driver "dma.sys" gets DMA adapter "A" for a <bits>-bit scatter/gather device with transfers of up to <maximum>
    Then the call succeeds
    And adapter "A" has <registers> map registers
    And adapter "A" <bouncing>

    Examples:
      | ram   | bits | maximum        | registers | bouncing                                          |
      | 8 GiB | 64   | 64 KiB         | 17        | needs no bounce buffers                           |
      | 8 GiB | 64   | 1 MiB          | 257       | needs no bounce buffers                           |
      | 8 GiB | 64   | 1 MiB + 1 byte | 258       | needs no bounce buffers                           |
      | 8 GiB | 32   | 64 KiB         | 17        | bounces pages above 4 GiB through map registers   |
      | 8 GiB | 32   | 4 MiB          | 256       | bounces pages above 4 GiB through map registers   |
      | 2 GiB | 32   | 4 MiB          | 1025      | needs no bounce buffers                           |

  @rule:SG-1 @seed:003
  Scenario: A description the HAL cannot use gets no adapter
    Given a machine with 8 GiB of RAM
    When the driver "dma.sys" gets DMA adapter "A" for a 64-bit scatter/gather device with transfers of up to 0 bytes
    Then IoGetDmaAdapter returns NULL

  @rule:SG-1 @seed:001 @severity:critical
  Scenario: Asking the adapter for more map registers than it granted is refused
    Given a machine with 8 GiB of RAM
    And a machine whose DMA verifier only records findings
    When the driver "dma.sys" gets DMA adapter "A" for a 64-bit scatter/gather device with transfers of up to 16 KiB
    Then adapter "A" has 5 map registers
    When the driver "dma.sys" requests the channel of adapter "A" for device "disk0" with 6 map registers, returning DeallocateObject
    Then the status returned is STATUS_INSUFFICIENT_RESOURCES
    And the execution routine for device "disk0" has not run
    And the DMA verifier has recorded VER-TOO-MANY-MAP-REGISTERS
    And parameter 2 of the VER-TOO-MANY-MAP-REGISTERS finding is 0x6
    And parameter 3 of the VER-TOO-MANY-MAP-REGISTERS finding is 0x5

  @rule:SG-1 @seed:001
  Scenario: A scatter/gather list spanning more pages than the grant is refused, and the verifier says why
    Given a machine with 8 GiB of RAM
    And a machine whose DMA verifier only records findings
    And a process "app.exe" with a committed buffer "B" of 8 pages
    And the driver "dma.sys" has locked buffer "B" for read access
    When the driver "dma.sys" gets DMA adapter "A" for a 64-bit scatter/gather device with transfers of up to 16 KiB
    Then adapter "A" has 5 map registers
    When the driver "dma.sys" gets scatter/gather list "L" on adapter "A" for MDL "B" to the device
    Then the status returned is STATUS_INSUFFICIENT_RESOURCES
    And the DMA verifier has recorded VER-MAP-REGISTERS-BEYOND-GRANT
    And parameter 2 of the VER-MAP-REGISTERS-BEYOND-GRANT finding is 0x8
    And parameter 3 of the VER-MAP-REGISTERS-BEYOND-GRANT finding is 0x5
