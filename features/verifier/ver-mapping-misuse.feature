Feature: The DMA verifier catches mapping, flushing and channel misuse when it happens
  A driver maps only what its MDL describes, and at least one byte of it;
  asks for the adapter channel once per device and for no more map registers
  than the adapter granted, with a channel or a scatter/gather list; flushes what MapTransfer mapped before freeing
  the registers; flushes only buffers that are mapped; and calls each DMA
  routine at an IRQL its documentation allows. Driver Verifier's DMA checks
  stop the machine with bug check 0xE6 (DRIVER_VERIFIER_DMA_VIOLATION),
  parameter 1 saying which rule was broken (docs/verifier-catalog.md).

  Status: enforced. The simulated DMA verifier detects each violation in the
  routine where it happens.

  Background:
    Given a machine with 8 GiB of RAM
    And a process "app.exe" with a committed buffer "A" of 1 page
    And the driver "bad.sys" has locked buffer "A" for read access
    And the driver "bad.sys" has DMA adapter "X" for the DMA test device

  @rule:VER-ADDRESS-NOT-IN-MDL @seed:003 @severity:critical
  Scenario: A list asked for more bytes than the MDL describes
    When the driver "bad.sys" gets scatter/gather list "L" on adapter "X" for 2 pages of MDL "A" to the device
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0x1B
    And bug check parameter 3 identifies MDL "A"
    And the DMA verifier stopped the machine for VER-ADDRESS-NOT-IN-MDL

  @rule:VER-ZERO-LENGTH-MAP @seed:003
  Scenario: A list asked for zero bytes
    When the driver "bad.sys" gets scatter/gather list "L" on adapter "X" for 0 bytes of MDL "A" to the device
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0x21
    And the DMA verifier stopped the machine for VER-ZERO-LENGTH-MAP

  @rule:VER-MULTIPLE-CHANNELS @seed:001
  Scenario: A device asks for the adapter channel while it still holds it
    When the driver "bad.sys" requests the channel of adapter "X" for device "disk0" with 1 map register, returning KeepObject
    And the driver "bad.sys" requests the channel of adapter "X" for device "disk0" with 1 map register, returning KeepObject
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0xB
    And the DMA verifier stopped the machine for VER-MULTIPLE-CHANNELS

  @rule:VER-TOO-MANY-MAP-REGISTERS @seed:001 @severity:critical
  Scenario: More map registers asked for than the adapter granted
    When the driver "bad.sys" gets DMA adapter "small" for a 64-bit scatter/gather device with transfers of up to 4 pages
    And the driver "bad.sys" requests the channel of adapter "small" for device "disk0" with 6 map registers, returning DeallocateObject
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0xC
    And bug check parameter 2 is 0x6
    And bug check parameter 3 is 0x5
    And the DMA verifier stopped the machine for VER-TOO-MANY-MAP-REGISTERS

  @rule:VER-MAP-REGISTERS-BEYOND-GRANT @rule:SG-1 @seed:001 @severity:critical
  Scenario: A scatter/gather list asked for that spans more pages than the adapter has map registers
    Given a process "app.exe" with a committed buffer "B" of 8 pages
    And the driver "bad.sys" has locked buffer "B" for read access
    When the driver "bad.sys" gets DMA adapter "small" for a 64-bit scatter/gather device with transfers of up to 4 pages
    And the driver "bad.sys" gets scatter/gather list "L" on adapter "small" for MDL "B" to the device
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0x15
    And bug check parameter 2 is 0x8
    And bug check parameter 3 is 0x5
    And the DMA verifier stopped the machine for VER-MAP-REGISTERS-BEYOND-GRANT

  @rule:VER-NOT-FLUSHED @seed:001 @severity:critical
  Scenario: The channel freed while a MapTransfer element was never flushed
    When the driver "bad.sys" maps MDL "A" with MapTransfer on adapter "X" from the device
    And the driver "bad.sys" frees the channel of adapter "X"
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0xD
    And the DMA verifier stopped the machine for VER-NOT-FLUSHED

  @rule:VER-SYNC-OUTSIDE-MAPPING @seed:003 @severity:critical
  Scenario: I/O buffers flushed for an MDL whose pages are no longer locked
    When the driver "bad.sys" unlocks MDL "A"
    And the driver "bad.sys" flushes the I/O buffers of MDL "A"
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0x16
    And bug check parameter 2 identifies MDL "A"
    And the DMA verifier stopped the machine for VER-SYNC-OUTSIDE-MAPPING

  @rule:VER-SYNC-OUTSIDE-MAPPING @seed:003
  Scenario: Adapter buffers flushed after they were already flushed and unmapped
    When the driver "bad.sys" maps MDL "A" with MapTransfer on adapter "X" from the device
    And the driver "bad.sys" flushes the adapter buffers of MDL "A"
    And the driver "bad.sys" flushes the adapter buffers of MDL "A"
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0x16
    And the DMA verifier stopped the machine for VER-SYNC-OUTSIDE-MAPPING

  @rule:VER-WRONG-IRQL @seed:003
  Scenario: The adapter released at DISPATCH_LEVEL
    When the driver "bad.sys" releases adapter "X" at DISPATCH_LEVEL
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0x13
    And bug check parameter 2 is 0x1
    And bug check parameter 3 is 0x0
    And bug check parameter 4 is 0x2
    And the DMA verifier stopped the machine for VER-WRONG-IRQL
