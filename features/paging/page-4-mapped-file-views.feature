Feature: PAGE-4 Locking a mapped file view reads it in; flushing writes the device's data back
  An application can hand a driver the address of a file it has mapped. The
  view's pages need not be in memory: locking them reads them from the file
  first, so the device sees the file's data. What the device then writes
  lands in the view's frames only; the file on disk changes when the view is
  flushed (seed 000).

  Status: checked. The suite observes the frames, the file on disk, and the
  reads and writes between them.

  Background:
    Given a machine with 8 GiB of RAM
    And a file "capture.dat" of 64 KiB holding the pattern "old"
    And a process "app.exe" that maps the file "capture.dat" as view "V"

  @rule:PAGE-4 @seed:000
  Scenario: Locking a view that is not resident reads its pages from the file
    Given no page of view "V" is resident
    When the driver "grab.sys" locks view "V" for write access
    Then 16 pages were read from the file "capture.dat"
    And every page of view "V" is locked
    And the frames of MDL "V" hold the pattern "old"

  @rule:PAGE-4 @seed:000 @severity:critical
  Scenario: What a device writes into a locked view reaches the file when the view is flushed
    Given the driver "grab.sys" has locked view "V" for write access
    When a device writes the pattern "new" through MDL "V"
    Then view "V" holds the pattern "new"
    But the file "capture.dat" still holds the pattern "old"
    When the process flushes view "V"
    Then the file "capture.dat" holds the pattern "new"

  @rule:PAGE-4 @seed:000
  Scenario: A device write into a view locked only for read access never reaches the file
    # A device's write sets no dirty bit: the memory manager marks a locked page modified when an MDL locked for
    # write (or modify) access is unlocked. Locked for read access, the device's data stays in the frames and is lost.
    Given the driver "grab.sys" has locked view "V" for read access
    When a device writes the pattern "new" through MDL "V"
    And the driver "grab.sys" unlocks MDL "V"
    And the process flushes view "V"
    Then the file "capture.dat" still holds the pattern "old"

  @rule:PAGE-4 @seed:000
  Scenario: A device write into a view locked for write access reaches the file once unlocked and flushed
    Given the driver "grab.sys" has locked view "V" for write access
    When a device writes the pattern "new" through MDL "V"
    And the driver "grab.sys" unlocks MDL "V"
    And the process flushes view "V"
    Then the file "capture.dat" holds the pattern "new"
