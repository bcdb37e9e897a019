Feature: CONT-3 Contiguous DMA buffers can be set aside at boot from the install configuration
  Because contiguous memory fragments, a device's install configuration may
  ask for contiguous DMA buffers to be allocated right after boot: per
  direction a count of at most 256, a size and option flags that include the
  direction and KERNEL_BUFFER_ALLOC. Later, the first contiguous-buffer
  requests whose size and flags match receive those buffers; a request that
  matches none is allocated as usual, or fails when it asks for preallocated
  buffers only (seed 002).

  Status: enforced. The boot refuses a configuration beyond the limits; the
  user DMA library hands out the buffers.

  @rule:CONT-3 @seed:002
  Scenario Outline: <count> <direction> buffers per direction are <verdict>
    Given a machine with 8 GiB of RAM
    And the DMA test device's install configuration preallocates <count> <direction> buffers of 1 page with options "<options>"
    Then <outcome>

    Examples:
      | count | direction   | options                          | verdict  | outcome                                                                                        |
      | 256   | to-device   | TO_DEVICE \| KERNEL_BUFFER_ALLOC   | accepted | 256 to-device buffers were preallocated at boot                                                |
      | 256   | from-device | FROM_DEVICE \| KERNEL_BUFFER_ALLOC | accepted | 256 from-device buffers were preallocated at boot                                              |
      | 257   | to-device   | TO_DEVICE \| KERNEL_BUFFER_ALLOC   | refused  | the install configuration is refused because "at most 256 buffers can be preallocated per direction" |
      | 1     | to-device   | TO_DEVICE                        | refused  | the install configuration is refused because "must include 0x41"                               |

  @rule:CONT-3 @rule:CONT-2 @seed:002 @severity:critical
  Scenario: After memory fragments, the first matching requests receive the preallocated buffers
    Given a machine with 128 MiB of RAM
    And a machine whose non-paged pool is 48 MiB
    And a machine whose paged pool is 8 MiB
    And the DMA test device's install configuration preallocates 2 from-device buffers of 256 KiB with options "FROM_DEVICE | KERNEL_BUFFER_ALLOC"
    And drivers take 43 MiB of non-paged pool one page at a time
    And "app.exe" has opened the DMA test device with the user DMA library
    When "app.exe" locks a contiguous DMA buffer "first" of 256 KiB with options "FROM_DEVICE"
    Then the library returns SUCCESS
    And DMA buffer "first" is one of the buffers preallocated at boot
    When "app.exe" locks a contiguous DMA buffer "other direction" of 256 KiB with options "TO_DEVICE"
    Then the library returns INSUFFICIENT_RESOURCES
    When "app.exe" locks a contiguous DMA buffer "other flags" of 256 KiB with options "FROM_DEVICE | ALLOW_CACHE"
    Then the library returns INSUFFICIENT_RESOURCES
    When "app.exe" locks a contiguous DMA buffer "second" of 256 KiB with options "FROM_DEVICE | GET_PREALLOCATED_BUFFERS_ONLY"
    Then the library returns SUCCESS
    And DMA buffer "second" is one of the buffers preallocated at boot
    When "app.exe" locks a contiguous DMA buffer "third" of 256 KiB with options "FROM_DEVICE | GET_PREALLOCATED_BUFFERS_ONLY"
    Then the library returns INSUFFICIENT_RESOURCES
    When "app.exe" unlocks DMA buffer "first"
    And "app.exe" locks a contiguous DMA buffer "again" of 256 KiB with options "FROM_DEVICE | GET_PREALLOCATED_BUFFERS_ONLY"
    Then the library returns SUCCESS
    And DMA buffer "again" is the buffer DMA buffer "first" was

  @rule:CONT-3 @seed:002
  Scenario: A request that matches no preallocated buffer is allocated as usual on a fresh machine
    Given a machine with 8 GiB of RAM
    And the DMA test device's install configuration preallocates 1 to-device buffer of 64 KiB with options "TO_DEVICE | KERNEL_BUFFER_ALLOC"
    And "app.exe" has opened the DMA test device with the user DMA library
    When "app.exe" locks a contiguous DMA buffer "bigger" of 128 KiB with options "TO_DEVICE"
    Then the library returns SUCCESS
    And DMA buffer "bigger" is not a buffer preallocated at boot
    And 1 to-device buffer preallocated at boot is still free
