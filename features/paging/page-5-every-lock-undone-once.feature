Feature: PAGE-5 Every lock is undone exactly once, before the process goes away
  Pages locked for I/O are unlocked once per lock, and only then is the MDL
  freed. A page locked through several MDLs stays locked until the last of
  them is unlocked. Unlocking an MDL whose pages are not locked, or letting
  a process end while its pages are still locked, corrupts the memory
  manager's books, so the system stops: with DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS
  naming the driver when it is known, else with PROCESS_HAS_LOCKED_PAGES
  (seeds 000 and 003).

  Status: enforced. The simulated kernel stops the machine with the
  documented bug check.

  Background:
    Given a machine with 8 GiB of RAM
    And a process "app.exe" with a committed buffer "A" of 1 MiB

  @rule:PAGE-5 @seed:003
  Scenario: Unlock, then free, then exit is clean
    Given the driver "io.sys" has locked buffer "A" for write access
    When the driver "io.sys" unlocks MDL "A"
    And the driver "io.sys" frees MDL "A"
    Then no page of buffer "A" is locked
    And "app.exe" has no pages locked for I/O
    And the driver "io.sys" holds no MDL
    When the process "app.exe" exits
    Then no bug check occurred

  @rule:PAGE-5 @seed:003
  Scenario: A page locked through two MDLs stays locked until the second unlock
    Given the driver "io.sys" has locked buffer "A" for write access through MDL "first"
    And the driver "io.sys" has locked buffer "A" for read access through MDL "second"
    When the driver "io.sys" unlocks and frees MDL "first"
    Then every frame of buffer "A" is still locked
    When the driver "io.sys" unlocks and frees MDL "second"
    Then no page of buffer "A" is locked
    And no bug check occurred

  @rule:PAGE-5 @seed:003 @severity:critical
  Scenario: Unlocking the same MDL twice stops the machine
    Given the driver "io.sys" has locked buffer "A" for write access
    When the driver "io.sys" unlocks MDL "A"
    Then no bug check occurred
    When the driver "io.sys" unlocks MDL "A"
    Then the machine stops with bug check 0x76 PROCESS_HAS_LOCKED_PAGES
    And bug check parameter 1 is 0x1
    And bug check parameter 2 identifies MDL "A"

  @rule:PAGE-5 @seed:000 @severity:critical
  Scenario: A process that exits with pages a driver locked stops the machine, naming the driver
    Given the driver "leaky.sys" has locked buffer "A" for write access
    When the process "app.exe" exits
    Then the machine stops with bug check 0xCB DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS
    And the bug check names the driver "leaky.sys"
    And bug check parameter 3 identifies MDL "A"
    And bug check parameter 4 is the number of pages of buffer "A"

  @rule:PAGE-5 @seed:000 @severity:critical
  Scenario: A process that exits with pages locked on its behalf stops the machine
    Given the I/O manager has locked buffer "A" for a direct I/O read request
    When the process "app.exe" exits
    Then the machine stops with bug check 0x76 PROCESS_HAS_LOCKED_PAGES
    And bug check parameter 1 is 0x0
    And bug check parameter 3 is the number of pages of buffer "A"
