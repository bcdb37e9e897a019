Feature: SG-4 Calculating the list size gives what building the list needs
  CalculateScatterGatherList tells a driver how many bytes
  BuildScatterGatherList needs for a transfer, given the start address and
  length or an MDL (chain). The driver allocates that much beforehand and
  builds the list into it. Where the buffer starts matters: an unaligned
  buffer spans one page more than an aligned one of the same length, so its
  list needs more room. Building into a buffer that is too small fails with
  STATUS_BUFFER_TOO_SMALL, and building, whether it succeeds or not,
  allocates nothing (seeds 001 and 003).

  Status: enforced. The HAL returns the documented statuses; the suite
  checks that non-paged pool usage does not change.

  Background:
    Given a machine with 8 GiB of RAM
    And a process "app.exe" with a committed buffer "A" of 1 MiB
    And the driver "sg.sys" has DMA adapter "X" for the DMA test device

  @rule:SG-4 @seed:001
  Scenario Outline: <length> starting <offset> into a page spans <pages> page(s), and the calculated size is exactly enough
    Given the driver "sg.sys" allocates MDL "M" for <length> starting <offset> into buffer "A"
    And the driver "sg.sys" locks MDL "M" for read access
    And the driver "sg.sys" has allocated 1 page of non-paged pool as buffer "room"
    When the driver "sg.sys" calculates the scatter/gather list size for MDL "M" on adapter "X"
    Then the calculation for MDL "M" counts <pages> map registers
    When the driver "sg.sys" builds scatter/gather list "short" on adapter "X" for MDL "M" to the device into buffer "room" of 1 byte less than the calculated size
    Then the status returned is STATUS_BUFFER_TOO_SMALL
    And the call allocated no non-paged pool
    When the driver "sg.sys" builds scatter/gather list "L" on adapter "X" for MDL "M" to the device into buffer "room" of the calculated size
    Then the status returned is STATUS_SUCCESS
    And the call allocated no non-paged pool
    And scatter/gather list "L" covers MDL "M" in transfer order

    Examples:
      | length   | offset     | pages |
      | 16 pages | 0 bytes    | 16    |
      | 16 pages | 100 bytes  | 17    |
      | 1 byte   | 4095 bytes | 1     |
      | 2 bytes  | 4095 bytes | 2     |

  @rule:SG-4 @seed:001
  Scenario: An unaligned buffer needs more room than an aligned one of the same length
    Given the driver "sg.sys" allocates MDL "aligned" for 64 KiB starting 0 bytes into buffer "A"
    And the driver "sg.sys" allocates MDL "unaligned" for 64 KiB starting 12 bytes into buffer "A"
    When the driver "sg.sys" calculates the scatter/gather list size for MDL "aligned" on adapter "X"
    And the driver "sg.sys" calculates the scatter/gather list size for MDL "unaligned" on adapter "X"
    Then the scatter/gather list of MDL "unaligned" needs more room than that of MDL "aligned"

  @rule:SG-4 @seed:001
  Scenario: Calculating from the start address and length gives the same size as from the MDL
    Given the driver "sg.sys" allocates MDL "M" for 5 pages starting 300 bytes into buffer "A"
    When the driver "sg.sys" calculates the scatter/gather list size for MDL "M" on adapter "X"
    And the driver "sg.sys" calculates the scatter/gather list size for the start address and length of MDL "M" on adapter "X"
    Then calculating from the start address and length of MDL "M" gives the same size as from the MDL

  @rule:SG-4 @rule:MDL-5 @seed:001
  Scenario: The size of a list for an MDL chain covers every MDL of the chain
    Given a process "app.exe" with a committed buffer "head" of 5 pages
    And a process "app.exe" with a committed buffer "tail" of 3 pages
    And the driver "sg.sys" has allocated MDL "one" for buffer "head" as the primary buffer of request "R"
    And the driver "sg.sys" has allocated MDL "two" for buffer "tail" as a secondary buffer of request "R"
    And the driver "sg.sys" locks MDL "one" for read access
    And the driver "sg.sys" locks MDL "two" for read access
    When the driver "sg.sys" calculates the scatter/gather list size for the MDL chain of request "R" on adapter "X"
    Then the calculation for the MDL chain of request "R" counts 8 map registers
    When the driver "sg.sys" gets scatter/gather list "L" on adapter "X" for the MDL chain of request "R" to the device
    Then scatter/gather list "L" covers the MDL chain of request "R" in transfer order
