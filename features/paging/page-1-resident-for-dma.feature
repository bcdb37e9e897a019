Feature: PAGE-1 A buffer stays resident for DMA only while it is locked or non-paged
  An application's memory is pageable. When memory runs short the trimmer
  writes unlocked pages to the paging file and hands their frames to other
  owners; the application never notices, because the CPU pages its data back
  in, but a device still programmed with the old physical addresses would now
  read or overwrite somebody else's data. Locking the buffer through an MDL
  keeps every page in its frame, and non-paged pool is never trimmed at all
  (seeds 000 and 003).

  Status: checked and enforced. The suite observes where the pages and their
  data are; the simulated DMA verifier checks every device access to RAM and
  stops the machine when the frame is neither locked nor non-paged (bug check
  0xE6, parameter 1 0x0E, VER-UNLOCKED-DMA in
  features/verifier/ver-device-access.feature). That check is always on here.
  On Windows it runs only for a driver a user has put under Driver Verifier
  with DMA verification enabled; without it nothing stops the device, and DMA
  into a page that was paged out silently corrupts the data of whoever owns
  the frame now.

  Background:
    Given a machine with 8 GiB of RAM

  @rule:PAGE-1 @seed:000 @severity:critical
  Scenario: An unlocked buffer is paged out and its frames go to another process
    Given a process "app.exe" with a committed buffer "A" of 8 MiB
    And the process writes the pattern "alpha" into buffer "A"
    And a process "other.exe" with a committed buffer "B" of 8 MiB
    When memory pressure is severe
    Then no page of buffer "A" is resident
    When "other.exe" writes the pattern "beta" into buffer "B"
    Then the frame that held page 0 of buffer "A" now belongs to "other.exe"
    And the frame that held page 0 of buffer "A" now holds the data of buffer "B"
    And the frame that held page 2047 of buffer "A" now belongs to "other.exe"
    But buffer "A" still holds the pattern "alpha"

  @rule:PAGE-1 @seed:000 @seed:003 @severity:critical
  Scenario: A locked buffer keeps its frames and its data through severe pressure
    Given a process "app.exe" with a committed buffer "A" of 8 MiB
    And the process writes the pattern "alpha" into buffer "A"
    And the driver "dma.sys" has locked buffer "A" for write access
    And a process "other.exe" with a committed buffer "B" of 8 MiB
    When memory pressure is severe
    And "other.exe" writes the pattern "beta" into buffer "B"
    Then every frame of buffer "A" is still locked
    And the frames of MDL "A" hold the pattern "alpha"
    And the frame that held page 0 of buffer "A" now belongs to "app.exe"

  @rule:PAGE-1 @seed:000 @seed:003
  Scenario: Once unlocked, the buffer is pageable again
    Given a process "app.exe" with a committed buffer "A" of 1 MiB
    And the process writes the pattern "alpha" into buffer "A"
    And the driver "dma.sys" has locked buffer "A" for write access
    When the driver "dma.sys" unlocks and frees MDL "A"
    And memory pressure is severe
    Then no page of buffer "A" is resident
    And buffer "A" still holds the pattern "alpha"

  @rule:PAGE-1 @seed:002 @seed:003
  Scenario: Non-paged pool is never trimmed
    Given the driver "pool.sys" has allocated 1 MiB of non-paged pool as buffer "P"
    And the driver "pool.sys" writes the pattern "gamma" into buffer "P"
    When memory pressure is severe
    Then buffer "P" is still in the frames it had
    And buffer "P" still holds the pattern "gamma"

  @rule:PAGE-1 @seed:000
  Scenario: Paged pool is trimmed like an application's memory
    Given the driver "pool.sys" has allocated 1 MiB of paged pool as buffer "Q"
    And the driver "pool.sys" writes the pattern "gamma" into buffer "Q"
    When memory pressure is severe
    Then no page of buffer "Q" is resident
    And buffer "Q" still holds the pattern "gamma"
