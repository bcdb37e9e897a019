Feature: MDL-1 An MDL describes a buffer by its page frames, up to a maximum length
  An MDL is a header (the buffer's starting page, the offset of its first
  byte in that page, its length in bytes) followed by one page-frame number
  per page the buffer touches. An application's buffer is scattered over
  physical memory, so those numbers are in no particular order. One MDL can
  describe at most 4 GiB less one page, and allocating one can fail: the
  routine then returns NULL (seed 003).

  Status: checked. The suite reads the MDL and compares it with the page
  tables; IoAllocateMdl reports failure by returning NULL.

  Background:
    Given a machine with 8 GiB of RAM

  @rule:MDL-1 @seed:003 @seed:000
  Scenario: An 8 MiB application buffer is described by 2048 scattered frames
    Given a process "app.exe" with a committed buffer "A" of 8 MiB
    When the driver "dma.sys" locks buffer "A" for write access
    Then the call succeeds
    And MDL "A" has 2048 page entries
    And the page entries of MDL "A" are the frames of buffer "A" in order
    And the page entries of MDL "A" are not physically contiguous

  @rule:MDL-1 @seed:003
  Scenario Outline: <length> starting <offset> into a buffer spans <pages> page(s)
    Given a process "app.exe" with a committed buffer "A" of 64 KiB
    When the driver "dma.sys" allocates MDL "M" for <length> starting <offset> into buffer "A"
    Then the call succeeds
    And MDL "M" has a byte offset of <byte offset>
    And MDL "M" has a byte count of <length>
    And MDL "M" spans <pages> pages
    When the driver "dma.sys" locks MDL "M" for read access
    Then MDL "M" has <pages> page entries
    And the page entries of MDL "M" are the frames of buffer "A" in order

    Examples:
      | length           | offset              | byte offset | pages |
      | 4 KiB            | 0 bytes             | 0           | 1     |
      | 4 KiB + 12 bytes | 100 bytes           | 100         | 2     |
      | 4 KiB + 12 bytes | 4090 bytes          | 4090        | 3     |
      | 4 KiB + 12 bytes | 1 page + 100 bytes  | 100         | 2     |
      | 1 byte           | 4095 bytes          | 4095        | 1     |

  @rule:MDL-1 @seed:003
  Scenario: One MDL describes up to 4 GiB less one page
    Given a process "app.exe" with a reserved buffer "huge" of 5 GiB
    When the driver "big.sys" allocates MDL "M" for 1048575 pages of buffer "huge"
    Then the call succeeds
    And MDL "M" has a byte count of 1048575 pages

  @rule:MDL-1 @seed:003
  Scenario Outline: Allocating an MDL for <length> returns NULL
    Given a process "app.exe" with a reserved buffer "huge" of 5 GiB
    When the driver "big.sys" allocates MDL "M" for <length> of buffer "huge"
    Then IoAllocateMdl returns NULL
    And no bug check occurred

    Examples:
      | length                  |
      | 1048575 pages + 1 byte  |
      | 4 GiB                   |

  @rule:MDL-1 @seed:003 @severity:critical
  Scenario: Allocating an MDL returns NULL when the allocation is made to fail
    Given a process "app.exe" with a committed buffer "A" of 64 KiB
    And every call to IoAllocateMdl fails
    When the driver "dma.sys" allocates MDL "M" for buffer "A"
    Then IoAllocateMdl returns NULL
    And no bug check occurred

  @rule:MDL-1 @seed:003 @severity:critical
  Scenario: Allocating an MDL returns NULL when non-paged pool is exhausted
    Given a machine whose non-paged pool is 4 MiB
    And a process "app.exe" with a committed buffer "A" of 64 KiB
    And the driver "hog.sys" has exhausted non-paged pool
    When the driver "dma.sys" allocates MDL "M" for buffer "A"
    Then IoAllocateMdl returns NULL
    And no bug check occurred
