Feature: MDL-4 For direct I/O the I/O manager locks the application's buffer itself
  When a device does direct I/O, the I/O manager builds an MDL for the
  application's buffer, probes and locks it on the application's behalf
  before the driver sees the request, and unlocks and frees it when the
  request completes. The driver receives a buffer that is already safe for
  DMA (seed 003).

  Status: checked. The suite observes the buffer's pages while the request
  is outstanding and after it completes.

  Until the simulated I/O manager exists, this scenario shows the same steps
  with the memory manager's routines: a lock made on the application's
  behalf, held across memory pressure, released at completion.

  Background:
    Given a machine with 8 GiB of RAM

  @rule:MDL-4 @seed:003 @pending-io-manager
  Scenario: The application's buffer is locked for the whole request and released at completion
    Given a process "app.exe" with a committed buffer "A" of 1 MiB
    And the process writes the pattern "request" into buffer "A"
    When the I/O manager locks buffer "A" for a direct I/O read request
    Then every page of buffer "A" is locked
    When memory pressure is severe
    Then every frame of buffer "A" is still locked
    And the frames of MDL "A" hold the pattern "request"
    When the I/O manager completes the request on buffer "A"
    Then no page of buffer "A" is locked
    And "app.exe" has no pages locked for I/O
    When the process "app.exe" exits
    Then no bug check occurred
