Feature: PAGE-3 A failed probe-and-lock raises an exception and locks nothing
  MmProbeAndLockPages checks the buffer it is given while it locks it. A bad
  address, a write lock on a read-only buffer, a kernel address handed over
  by an application, or a page that cannot be read back from disk all make it
  raise an exception, which the driver must catch. Pages locked before the
  failure are unlocked again: nothing stays locked (seed 003).

  Status: enforced. The simulated kernel raises the documented status.

  Background:
    Given a machine with 8 GiB of RAM

  @rule:PAGE-3 @seed:003 @severity:critical
  Scenario Outline: Probing <case> raises <status>
    Given <the buffer>
    When the driver "probe.sys" locks buffer "A" for <access> access
    Then the call raises <status>
    And no page of buffer "A" is locked
    And "app.exe" has no pages locked for I/O
    And the driver "probe.sys" holds no MDL

    Examples:
      | case                                | the buffer                                                                                    | access | status                  |
      | an address that is not allocated    | a process "app.exe" with a released buffer "A" of 64 KiB                                      | write  | STATUS_ACCESS_VIOLATION |
      | an address reserved but not committed | a process "app.exe" with a reserved buffer "A" of 64 KiB                                    | read   | STATUS_ACCESS_VIOLATION |
      | a read-only buffer locked for write | a process "app.exe" with a read-only buffer "A" of 64 KiB                                     | write  | STATUS_ACCESS_VIOLATION |
      | a kernel address in user mode       | a process "app.exe" that passes a kernel address as buffer "A" of 64 KiB                      | read   | STATUS_ACCESS_VIOLATION |
      | a page that cannot be read back     | a process "app.exe" with a paged-out buffer "A" of 64 KiB whose page 8 cannot be read back    | read   | STATUS_IN_PAGE_ERROR    |

  @rule:PAGE-3 @seed:003
  Scenario: The pages locked before the failing page are unlocked again
    Given a process "app.exe" with a paged-out buffer "A" of 64 KiB whose page 15 cannot be read back
    When the driver "probe.sys" locks buffer "A" for read access
    Then the call raises STATUS_IN_PAGE_ERROR
    And 15 pages of buffer "A" are resident
    But no page of buffer "A" is locked

  @rule:PAGE-3 @seed:003
  Scenario: A read-only buffer can be locked for read access
    Given a process "app.exe" with a read-only buffer "A" of 64 KiB
    When the driver "probe.sys" locks buffer "A" for read access
    Then the call succeeds
    And every page of buffer "A" is locked
