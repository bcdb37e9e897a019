Feature: SG-3 A scatter/gather list is allocated, can fail, and is put back exactly once
  GetScatterGatherList allocates the list, and the HAL's own tracking data,
  from non-paged pool. When the pool is exhausted, or an allocation fails,
  it returns STATUS_INSUFFICIENT_RESOURCES and calls no execution routine;
  the driver must cope. PutScatterGatherList gives the memory back, and it
  must be called exactly once per list: a second put frees memory that is no
  longer the list's (seeds 001 and 003).

  Status: enforced. The HAL returns the documented status; the DMA verifier
  stops a second put (bug check 0xE6, parameter 1 0x06).

  Background:
    Given a machine with 8 GiB of RAM
    And a process "app.exe" with a committed buffer "A" of 64 KiB
    And the driver "sg.sys" has locked buffer "A" for read access
    And the driver "sg.sys" has DMA adapter "X" for the DMA test device

  @rule:SG-3 @seed:003
  Scenario: The list comes from non-paged pool and goes back to it when put
    When the driver "sg.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" to the device
    Then the status returned is STATUS_SUCCESS
    And the call took 1 page of non-paged pool
    And adapter "X" has 1 scatter/gather list outstanding
    When the driver "sg.sys" puts scatter/gather list "L" back
    Then the call gave back 1 page of non-paged pool
    And adapter "X" has 0 scatter/gather lists outstanding

  @rule:SG-3 @seed:001 @severity:critical
  Scenario: With non-paged pool exhausted the list cannot be allocated
    Given the driver "hog.sys" has exhausted non-paged pool
    When the driver "sg.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" to the device
    Then the status returned is STATUS_INSUFFICIENT_RESOURCES
    And the call allocated no non-paged pool
    And no execution routine received a scatter/gather list
    And adapter "X" has 0 scatter/gather lists outstanding

  @rule:SG-3 @seed:001
  Scenario: An injected pool failure makes GetScatterGatherList fail the same way
    Given every call to ExAllocatePoolWithTag:NonPagedPool fails
    When the driver "sg.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" to the device
    Then the status returned is STATUS_INSUFFICIENT_RESOURCES
    And no execution routine received a scatter/gather list

  @rule:SG-3 @seed:003 @severity:critical
  Scenario: Putting the same list back twice stops the machine
    When the driver "sg.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" to the device
    And the driver "sg.sys" puts scatter/gather list "L" back
    Then no bug check occurred
    When the driver "sg.sys" puts scatter/gather list "L" back
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0x6
    And bug check parameter 2 is 0x1
    And bug check parameter 3 is 0x2
