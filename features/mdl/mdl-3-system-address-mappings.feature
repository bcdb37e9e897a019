Feature: MDL-3 Mapping an MDL into system space works from any context, and may fail
  A locked MDL can be mapped into system address space so that code running
  in any process context, at DISPATCH_LEVEL or in an interrupt service
  routine, reaches the buffer's bytes. Each mapping takes one system
  page-table entry per page, and those run out; MmGetSystemAddressForMdlSafe
  then returns NULL for the driver to handle instead of stopping the machine.
  The pages must be locked before they are mapped (seed 003).

  Status: checked. The suite reads the mapping from another context and
  observes the NULL; mapping pages that are not locked is enforced by the
  simulated kernel's verifier (0xC4).

  Background:
    Given a machine with 8 GiB of RAM

  @rule:MDL-3 @seed:003
  Scenario: A mapping made at DISPATCH_LEVEL shows an interrupt service routine what the application wrote
    Given a process "app.exe" with a committed buffer "A" of 64 KiB
    And the process writes the pattern "alpha" into buffer "A"
    And the driver "pio.sys" has locked buffer "A" for read access
    When the driver "pio.sys" maps MDL "A" into system space at DISPATCH_LEVEL
    Then the call succeeds
    And an interrupt service routine reading the system mapping of MDL "A" sees the pattern "alpha"

  @rule:MDL-3 @seed:003 @severity:critical
  Scenario: When system page-table entries run out, the safe mapping returns NULL
    Given a machine whose system PTEs are limited to 32
    And a process "app.exe" with a committed buffer "A" of 96 KiB
    And a process "app.exe" with a committed buffer "B" of 64 KiB
    And the driver "pio.sys" has locked buffer "A" for read access
    And the driver "pio.sys" has locked buffer "B" for read access
    When the driver "pio.sys" maps MDL "A" into system space
    Then the call succeeds
    When the driver "pio.sys" maps MDL "B" into system space
    Then MmGetSystemAddressForMdlSafe returns NULL
    And no bug check occurred
    When the driver "pio.sys" unlocks MDL "A"
    And the driver "pio.sys" maps MDL "B" into system space
    Then the call succeeds

  @rule:MDL-3 @seed:003
  Scenario: Mapping pages that are not locked is a verifier stop
    Given a process "app.exe" with a committed buffer "A" of 64 KiB
    And the driver "pio.sys" has allocated MDL "M" for buffer "A"
    When the driver "pio.sys" maps MDL "M" into system space
    Then the machine stops with bug check 0xC4 DRIVER_VERIFIER_DETECTED_VIOLATION
    And bug check parameter 1 is 0x85
    And bug check parameter 2 identifies MDL "M"
    And bug check parameter 3 is the number of pages of buffer "A"
