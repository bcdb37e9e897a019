Feature: CONT-7 DMA buffers are non-cached unless caching is allowed, and the CPU pays for that
  Common buffers and contiguous DMA buffers are mapped non-cached unless the
  caller allows caching (CacheEnabled, or the ALLOW_CACHE option of the user
  DMA library), so the CPU and the device never disagree about their
  contents. Every CPU access to a non-cached buffer goes to memory, which
  makes it slower than the same access to a cached buffer (seeds 002 and 003).

  Status: enforced. The memory manager marks the frames non-cached and
  charges the uncached access cost; the suite compares the simulated times.

  Background:
    Given a machine with 8 GiB of RAM

  @rule:CONT-7 @seed:003 @severity:critical
  Scenario: A common buffer is non-cached unless CacheEnabled, and reading it costs more
    Given the driver "cb.sys" has DMA adapter "X" for the DMA test device
    When the driver "cb.sys" allocates common buffer "plain" of 64 KiB on adapter "X"
    And the driver "cb.sys" allocates cached common buffer "cached" of 64 KiB on adapter "X"
    Then common buffer "plain" is non-cached
    And common buffer "cached" is cached
    And reading common buffer "plain" costs the CPU more simulated time than reading common buffer "cached"

  @rule:CONT-7 @seed:002
  Scenario: A contiguous buffer of the user DMA library is non-cached unless ALLOW_CACHE
    Given "app.exe" has opened the DMA test device with the user DMA library
    When "app.exe" locks a contiguous DMA buffer "plain" of 64 KiB with options "TO_DEVICE"
    And "app.exe" locks a contiguous DMA buffer "cached" of 64 KiB with options "TO_DEVICE | ALLOW_CACHE"
    Then DMA buffer "plain" is non-cached
    And DMA buffer "cached" is cached
    And reading DMA buffer "plain" costs the CPU more simulated time than reading DMA buffer "cached"
