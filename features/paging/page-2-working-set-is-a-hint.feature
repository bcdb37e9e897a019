Feature: PAGE-2 A larger working set is a hint, not a lock
  An application can ask for a larger working set so that its pages are
  trimmed less eagerly. Moderate pressure trims a process only down to its
  working-set minimum; severe pressure trims every page that is not locked,
  whatever the minimum says. A bigger working set therefore never makes a
  buffer safe for DMA (seed 000).

  Status: checked. The suite observes which pages stay resident.

  Background:
    Given a machine with 8 GiB of RAM
    And a process "app.exe" with a committed buffer "A" of 8 MiB
    And the process writes the pattern "alpha" into buffer "A"

  @rule:PAGE-2 @seed:000 @severity:critical
  Scenario: Severe pressure trims the pages however large the working set minimum is
    Given "app.exe" sets its working set to a minimum of 16 MiB and a maximum of 32 MiB
    When memory pressure is severe
    Then no page of buffer "A" is resident
    And buffer "A" still holds the pattern "alpha"

  @rule:PAGE-2 @seed:000
  Scenario: Moderate pressure respects a working set minimum that covers the buffer
    Given "app.exe" sets its working set to a minimum of 16 MiB and a maximum of 32 MiB
    When memory pressure is moderate
    Then buffer "A" is still in the frames it had

  @rule:PAGE-2 @seed:000
  Scenario: Moderate pressure trims a process down to its working set minimum
    Given "app.exe" sets its working set to a minimum of 50 pages and a maximum of 345 pages
    When memory pressure is moderate
    Then 50 pages of buffer "A" are resident
    And buffer "A" still holds the pattern "alpha"
