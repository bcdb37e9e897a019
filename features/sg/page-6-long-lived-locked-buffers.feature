Feature: PAGE-6 Locking per request costs CPU time per page; a long-lived locked buffer pays once
  Locking a buffer and building its scatter/gather list costs CPU time for
  every page, and unlocking costs it again. A driver that locks and unlocks
  for every request pays that on every request; a driver that keeps a
  long-lived buffer locked and reuses its scatter/gather list pays it once,
  however many requests follow (seed 000).

  Status: checked in simulated CPU time: the memory manager's and the HAL's
  time as the cost table (src/machine/cost-model.ts) charges it.

  Background:
    Given a machine with 8 GiB of RAM
    And a process "app.exe" with a committed buffer "A" of 256 KiB
    And a process "app.exe" with a committed buffer "B" of 64 KiB
    And the process writes the pattern "data" into buffer "A"
    And the process writes the pattern "data" into buffer "B"
    And the driver "stream.sys" has DMA adapter "X" for the DMA test device

  @rule:PAGE-6 @seed:000 @severity:critical
  Scenario: The ratio grows with the number of requests, because the long-lived buffer locks once
    When the driver "stream.sys" prepares requests for DMA into buffer "A" on adapter "X" both ways, for:
      | requests |
      | 1        |
      | 10       |
      | 100      |
    Then locking per request costs CPU time in proportion to the number of requests
    And the long-lived buffer pays for locking once, whatever the number of requests
    And the CPU time of locking per request over the long-lived buffer's grows with the number of requests

  @rule:PAGE-6 @seed:000
  Scenario: Locking per request costs CPU time in proportion to the pages of the buffer
    When the driver "stream.sys" prepares 10 requests for DMA into buffer "A" on adapter "X", locking and unlocking it for each
    And the driver "stream.sys" prepares 10 requests for DMA into buffer "B" on adapter "X", locking and unlocking it for each
    Then the locking CPU time per request of buffer "A" over that of buffer "B" is the ratio of their page counts
