Feature: MDL-2 A partial MDL goes before the MDL it was built over
  A partial MDL describes part of a locked MDL, its parent, and shares the
  parent's page frames without locking them again. It must be freed while
  the parent is still locked: unlocking or freeing the parent first leaves
  the partial MDL describing frames nobody holds, which corrupts the
  page-frame database. A partial MDL must also lie inside its parent
  (seed 003).

  Status: enforced. The simulated kernel stops the machine with
  PFN_LIST_CORRUPT (0x4E) or TARGET_MDL_TOO_SMALL (0x40).

  Background:
    Given a machine with 8 GiB of RAM
    And a process "app.exe" with a committed buffer "A" of 64 KiB
    And the driver "split.sys" has locked buffer "A" for write access through MDL "parent"

  @rule:MDL-2 @seed:003
  Scenario: Freeing the partial MDL before unlocking and freeing the parent is clean
    When the driver "split.sys" builds partial MDL "part" over 8 KiB starting 4 KiB into MDL "parent"
    Then the call succeeds
    And the page entries of MDL "part" are entries 1 to 2 of MDL "parent"
    When the driver "split.sys" frees MDL "part"
    And the driver "split.sys" unlocks MDL "parent"
    And the driver "split.sys" frees MDL "parent"
    Then no bug check occurred
    And no page of buffer "A" is locked
    And the driver "split.sys" holds no MDL

  @rule:MDL-2 @seed:003 @severity:critical
  Scenario Outline: A driver that <action> the parent while its partial MDL lives stops the machine
    Given the driver "split.sys" has built partial MDL "part" over 8 KiB starting 4 KiB into MDL "parent"
    When the driver "split.sys" <action> MDL "parent"
    Then the machine stops with bug check 0x4E PFN_LIST_CORRUPT
    And bug check parameter 1 is 0x9A
    And bug check parameter 2 is a frame described by MDL "part"

    Examples:
      | action   |
      | unlocks  |
      | frees    |

  @rule:MDL-2 @seed:003
  Scenario: A partial MDL that reaches past the end of its parent stops the machine
    When the driver "split.sys" builds partial MDL "part" over 8 KiB starting 60 KiB into MDL "parent"
    Then the machine stops with bug check 0x40 TARGET_MDL_TOO_SMALL
    And bug check parameter 1 identifies MDL "parent"
    And bug check parameter 2 identifies MDL "part"
