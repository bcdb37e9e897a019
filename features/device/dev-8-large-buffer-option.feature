Feature: DEV-8 A low-level scatter/gather lock of more than 1 MiB needs the large-buffer option
  The user DMA library's low-level lock describes at most 256 pages (1 MiB)
  unless the caller sets the large-buffer option; without it a larger lock
  fails. The high-level scatter/gather lock sets the option itself, so any
  size works there (seed 002).

  Status: enforced. The library returns the documented status.

  Background:
    Given a machine with 8 GiB of RAM
    And a process "app.exe" with a committed buffer "A" of 2 MiB
    And "app.exe" has opened the DMA test device with the user DMA library

  @rule:DEV-8 @seed:002 @severity:critical
  Scenario Outline: The <call> call locking <size> with options "<options>" returns <status>
    When "app.exe" locks <size> of buffer "A" for scatter/gather DMA as DMA buffer "D" with the <call> call and options "<options>"
    Then the library returns <status>

    Examples:
      | call       | size           | options                    | status                 |
      | low-level  | 1 MiB          | TO_DEVICE                  | SUCCESS                |
      | low-level  | 1 MiB + 1 byte | TO_DEVICE                  | INSUFFICIENT_RESOURCES |
      | low-level  | 2 MiB          | TO_DEVICE \| LARGE_BUFFER  | SUCCESS                |
      | high-level | 2 MiB          | TO_DEVICE                  | SUCCESS                |

  @rule:DEV-8 @seed:002
  Scenario: The large lock describes every byte, and unlocking it leaves nothing locked
    When "app.exe" locks 2 MiB of buffer "A" for scatter/gather DMA as DMA buffer "D" with the high-level call and options "FROM_DEVICE"
    Then the library returns SUCCESS
    And DMA buffer "D" describes 2 MiB in total
    When "app.exe" unlocks DMA buffer "D"
    Then the library returns SUCCESS
    And "app.exe" has no pages locked for I/O
