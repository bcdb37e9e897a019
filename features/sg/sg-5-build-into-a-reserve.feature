Feature: SG-5 Building a list into memory set aside beforehand makes progress when pool runs out
  A driver on a path that must not fail (paging, storage) cannot wait for
  non-paged pool. The kernel gives it what it needs to make forward
  progress: CalculateScatterGatherList tells it the size beforehand, it sets
  that much aside while memory is plentiful, and BuildScatterGatherList puts
  the list into the reserve and allocates nothing. With the pool exhausted,
  GetScatterGatherList fails, but building into the reserve still succeeds,
  and the reserve can be used again once the list is put back (seed 001).
  A driver's own reserve-and-queue scheme is checked by the driver
  conformance features.

  Status: enforced at kernel level. The HAL builds without allocating; the
  suite checks that non-paged pool usage does not change.

  Background:
    Given a machine with 8 GiB of RAM
    And a process "app.exe" with a committed buffer "A" of 64 KiB
    And the driver "storage.sys" has locked buffer "A" for read access
    And the driver "storage.sys" has DMA adapter "X" for the DMA test device
    And the driver "storage.sys" has allocated 1 page of non-paged pool as buffer "reserve"
    And the driver "storage.sys" calculates the scatter/gather list size for MDL "A" on adapter "X"

  @rule:SG-5 @seed:001 @severity:critical
  Scenario: With the pool exhausted, Get fails but Build into the reserve succeeds
    Given the driver "hog.sys" has exhausted non-paged pool
    When the driver "storage.sys" gets scatter/gather list "L1" on adapter "X" for MDL "A" to the device
    Then the status returned is STATUS_INSUFFICIENT_RESOURCES
    When the driver "storage.sys" builds scatter/gather list "L2" on adapter "X" for MDL "A" to the device into buffer "reserve" of the calculated size
    Then the status returned is STATUS_SUCCESS
    And the call allocated no non-paged pool
    And scatter/gather list "L2" covers MDL "A" in transfer order

  @rule:SG-5 @seed:001
  Scenario: The reserve serves request after request once each list is put back
    Given the driver "hog.sys" has exhausted non-paged pool
    When the driver "storage.sys" builds scatter/gather list "first" on adapter "X" for MDL "A" to the device into buffer "reserve" of the calculated size
    Then the status returned is STATUS_SUCCESS
    When the driver "storage.sys" puts scatter/gather list "first" back
    And the driver "storage.sys" builds scatter/gather list "second" on adapter "X" for MDL "A" to the device into buffer "reserve" of the calculated size
    Then the status returned is STATUS_SUCCESS
    And the call allocated no non-paged pool
    When the driver "storage.sys" puts scatter/gather list "second" back
    Then no bug check occurred
