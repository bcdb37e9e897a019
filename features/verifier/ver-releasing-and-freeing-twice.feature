Feature: The DMA verifier catches DMA resources freed twice and adapters released too early
  Every DMA resource a driver obtains through its adapter (a common buffer,
  the adapter channel, map registers it kept, a scatter/gather list) is
  given back exactly once, and all of them before the adapter itself is
  released with PutDmaAdapter; nothing may be called on an adapter after
  that. Driver Verifier's DMA checks stop the machine with bug check 0xE6
  (DRIVER_VERIFIER_DMA_VIOLATION), parameter 1 saying which rule was broken
  (docs/verifier-catalog.md).

  Status: enforced. The simulated DMA verifier detects each violation when it
  happens.

  Background:
    Given a machine with 8 GiB of RAM
    And a process "app.exe" with a committed buffer "A" of 1 page
    And the driver "bad.sys" has locked buffer "A" for read access
    And the driver "bad.sys" has DMA adapter "X" for the DMA test device

  @rule:VER-SG-DOUBLE-PUT @seed:001 @severity:critical
  Scenario: A scatter/gather list put back twice
    When the driver "bad.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" to the device
    And the driver "bad.sys" puts scatter/gather list "L" back
    And the driver "bad.sys" puts scatter/gather list "L" back
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0x6
    And the DMA verifier stopped the machine for VER-SG-DOUBLE-PUT

  @rule:VER-COMMON-BUFFER-DOUBLE-FREE @seed:003 @severity:critical
  Scenario: A common buffer freed twice
    When the driver "bad.sys" allocates common buffer "C" of 1 page on adapter "X"
    And the driver "bad.sys" frees common buffer "C"
    And the driver "bad.sys" frees common buffer "C"
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0x3
    And the DMA verifier stopped the machine for VER-COMMON-BUFFER-DOUBLE-FREE

  @rule:VER-CHANNEL-DOUBLE-FREE @seed:001
  Scenario: The adapter channel freed after the execution routine already gave it back
    When the driver "bad.sys" requests the channel of adapter "X" for device "disk0" with 1 map register, returning DeallocateObjectKeepRegisters
    And the driver "bad.sys" frees the channel of adapter "X"
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0x4
    And the DMA verifier stopped the machine for VER-CHANNEL-DOUBLE-FREE

  @rule:VER-MAP-REGISTERS-DOUBLE-FREE @seed:001
  Scenario: Kept map registers freed twice
    When the driver "bad.sys" requests the channel of adapter "X" for device "disk0" with 2 map registers, returning DeallocateObjectKeepRegisters
    And the driver "bad.sys" frees the map registers kept for device "disk0"
    Then no bug check occurred
    When the driver "bad.sys" frees the map registers kept for device "disk0"
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0x5
    And the DMA verifier stopped the machine for VER-MAP-REGISTERS-DOUBLE-FREE

  Scenario Outline: Releasing the adapter while <what> is outstanding
    Given <obtained>
    When the driver "bad.sys" releases adapter "X"
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is <parameter 1>
    And the DMA verifier stopped the machine for <finding>

    @rule:VER-ADAPTER-RELEASED-WITH-COMMON-BUFFERS @seed:003 @severity:critical
    Examples: a common buffer
      | what            | obtained                                                                      | parameter 1 | finding                                  |
      | a common buffer | the driver "bad.sys" has allocated common buffer "C" of 1 page on adapter "X" | 0x7         | VER-ADAPTER-RELEASED-WITH-COMMON-BUFFERS |

    @rule:VER-ADAPTER-RELEASED-WITH-CHANNELS @seed:001
    Examples: the adapter channel
      | what                | obtained                                                                                                              | parameter 1 | finding                            |
      | the adapter channel | the driver "bad.sys" requests the channel of adapter "X" for device "disk0" with 1 map register, returning KeepObject | 0x8         | VER-ADAPTER-RELEASED-WITH-CHANNELS |

    @rule:VER-ADAPTER-RELEASED-WITH-MAP-REGISTERS @seed:001
    Examples: kept map registers
      | what               | obtained                                                                                                                                  | parameter 1 | finding                                 |
      | kept map registers | the driver "bad.sys" requests the channel of adapter "X" for device "disk0" with 1 map register, returning DeallocateObjectKeepRegisters | 0x9         | VER-ADAPTER-RELEASED-WITH-MAP-REGISTERS |

    @rule:VER-ADAPTER-RELEASED-WITH-SG-LISTS @seed:001 @severity:critical
    Examples: a scatter/gather list
      | what                   | obtained                                                                                    | parameter 1 | finding                            |
      | a scatter/gather list  | the driver "bad.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" to the device | 0xA         | VER-ADAPTER-RELEASED-WITH-SG-LISTS |

  @rule:VER-ADAPTER-USED-AFTER-RELEASE @seed:003 @severity:critical
  Scenario: A DMA routine called on an adapter that was released
    When the driver "bad.sys" releases adapter "X"
    Then no bug check occurred
    When the driver "bad.sys" allocates common buffer "C" of 1 page on adapter "X"
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0x18
    And the DMA verifier stopped the machine for VER-ADAPTER-USED-AFTER-RELEASE
