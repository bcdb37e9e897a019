@class:storage-forward-progress
Feature: storage-forward-progress - A storage driver finishes every request, even when pool runs out
  A driver on a path that must not fail (paging, storage) cannot answer a
  request with "insufficient resources": the system may need that very
  request to free memory. Getting a scatter/gather list allocates from
  non-paged pool, so such a driver sets resources aside for at least one
  request while allocation still works. It sizes a buffer for its longest
  transfer at the worst start offset with CalculateScatterGatherList
  (SG-4), and when GetScatterGatherList cannot allocate it builds the list
  into that reserve with BuildScatterGatherList, which allocates nothing.
  While the reserve is busy the request waits, and it starts as soon as the
  reserve comes back (SG-5). A list built into the reserve is put back like
  any other, exactly once (SG-3) (seed 001; REFERENCES.md, forward progress
  in real storage stacks).

  Most scenarios run a workload against the driver under test while its
  pool allocations fail or pool is gone, then check that no request failed
  for lack of resources, that every byte matches the device's stream, and
  the rest of the conformance checks. The others close the handle or exit
  with requests on the device, fail the device part-way through a request
  (the request then ends in the device's error, never claiming bytes the
  device did not move), or run the DMA execution routines later, from a DPC.

  Where the contract allows several ways, each is conforming: a request
  overtaken by a failed allocation, a device error or a removal may end in
  any status docs/driver-contract.md ("How a request must end") lists for
  that event, or succeed if the driver retried and got the data, so such
  scenarios judge the request by that table ("ended as the contract
  allows"), never by one driver's choice of status.
  Failing for lack of resources is the one choice this class does not have.
  Status: checked. The suite injects the failures and observes every
  request; the verifier stops the machine on a list put back twice or built
  over a list still in use.

  @rule:SG-5 @seed:001 @severity:critical
  Scenario: Every request completes while every pool allocation of the driver fails
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When every call to ExAllocatePoolWithTag:NonPagedPool by the driver under test fails
    And "app.exe" keeps 8 reads of 1 MiB in flight
    And "app.exe" keeps 4 writes of 768 KiB in flight
    And "app.exe" waits for its requests
    Then no request failed for lack of resources
    And every byte matches the device's stream
    When every application exits and the driver under test is unloaded
    Then the workload passes every check

  @rule:SG-5 @seed:001
  Scenario: Requests already issued complete after non-paged pool runs out
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" keeps 4 reads of 4 MiB in flight
    And "app.exe" keeps 2 writes of 3 MiB in flight
    And non-paged pool runs out
    And "app.exe" waits for its requests
    Then no request failed for lack of resources
    And every byte matches the device's stream
    When non-paged pool has room again
    And every application exits and the driver under test is unloaded
    Then the workload passes every check

  @rule:SG-5 @seed:001
  Scenario: A seeded mix of reads and writes while some of the driver's pool allocations fail
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the next 5 calls to ExAllocatePoolWithTag:NonPagedPool by the driver under test fail
    And "app.exe" runs a mix of 16 reads and writes of up to 4 MiB, 4 in flight at a time
    And "app.exe" waits for its requests
    Then no request failed for lack of resources
    When every application exits and the driver under test is unloaded
    Then the workload passes every check

  @rule:SG-4 @rule:SG-5 @seed:001 @severity:critical
  Scenario: The reserve holds the list of the longest transfer at the worst start offset
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When every call to ExAllocatePoolWithTag:NonPagedPool by the driver under test fails
    And "app.exe" reads into buffers of these sizes:
      | size           | offset into its page |
      | 8 MiB          | 1                    |
      | 8 MiB - 1 byte | 4095                 |
      | 1 MiB + 1 byte | 2048                 |
      | 64 KiB         | 4000                 |
    And "app.exe" writes buffers of these sizes:
      | size  | offset into its page |
      | 4 MiB | 3                    |
    Then no request failed for lack of resources
    And every byte matches the device's stream
    When every application exits and the driver under test is unloaded
    Then the workload passes every check

  # STORAGE_MAXIMUM_TRANSFER (1 MiB, src/conformance/storage-forward-progress/interface.ts)
  # is the longest transfer one list maps: a transfer of exactly that length
  # starting on the last byte of a page spans the most pages a list can, and
  # one byte more makes a second transfer of one byte. A driver may cut
  # requests shorter than that; each transfer must fit its reserve.
  @rule:SG-4 @rule:SG-5 @seed:001
  Scenario: Transfers at the class's edges go through the reserve: one byte, the longest transfer at the worst start, and one byte past it
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When every call to ExAllocatePoolWithTag:NonPagedPool by the driver under test fails
    And "app.exe" reads into buffers of these sizes:
      | size            | offset into its page |
      | 1 byte          | 4095                 |
      | 1 MiB           | 4095                 |
      | 1 MiB - 1 byte  | 4095                 |
      | 1 MiB + 1 byte  | 4095                 |
      | 4 KiB           | 0                    |
    And "app.exe" writes buffers of these sizes:
      | size            | offset into its page |
      | 1 byte          | 0                    |
      | 1 MiB           | 1                    |
      | 2 MiB + 1 byte  | 4095                 |
    Then no request failed for lack of resources
    And every byte matches the device's stream
    When every application exits and the driver under test is unloaded
    Then the workload passes every check

  @rule:SG-3 @rule:SG-5 @seed:001
  Scenario: Lists built into the reserve are put back exactly once, like lists from pool
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When every call to ExAllocatePoolWithTag:NonPagedPool by the driver under test fails
    And "app.exe" keeps 6 reads of 2 MiB in flight
    And "app.exe" waits for its requests
    And allocations stop failing
    And "app.exe" runs a mix of 10 reads and writes of up to 3 MiB, 2 in flight at a time
    Then every mapping the driver under test got has been given back exactly once
    And no request failed for lack of resources
    When every application exits and the driver under test is unloaded
    Then the workload passes every check

  @rule:SG-5 @rule:PAGE-5 @seed:001
  Scenario: Closing the handle while requests wait for the reserve completes or cancels every one of them
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When every call to ExAllocatePoolWithTag:NonPagedPool by the driver under test fails
    And "app.exe" keeps 6 reads of 1 MiB in flight
    And "app.exe" closes its handle
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

  @seed:001
  Scenario Outline: A request whose <call> fails once still completes, through the reserve, and nothing leaks
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the next 1 call to <call> by the driver under test fails
    And "app.exe" reads into buffers of these sizes:
      | size            | offset into its page |
      | 2 MiB + 3 bytes | 11                   |
    And "app.exe" writes buffers of these sizes:
      | size    |
      | 512 KiB |
    Then no request failed for lack of resources
    And every byte matches the device's stream
    When allocations stop failing
    And every application exits and the driver under test is unloaded
    Then nothing of the driver is left behind
    And the workload passes every check

    @rule:SG-5 @rule:SG-3
    Examples: the request's scatter/gather list
      | call                               |
      | GetScatterGatherList               |
      | ExAllocatePoolWithTag:NonPagedPool |

  @rule:SG-5 @rule:SG-4 @seed:001
  Scenario: Building the list into the reserve fails too: the request waits and still completes
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the next 1 call to GetScatterGatherList by the driver under test fails
    And the next 1 call to BuildScatterGatherList by the driver under test fails
    And "app.exe" reads into buffers of these sizes:
      | size  |
      | 1 MiB |
    Then no request failed for lack of resources
    When allocations stop failing
    And every application exits and the driver under test is unloaded
    Then nothing of the driver is left behind
    And the workload passes every check

  # BuildScatterGatherList allocates nothing: it fails only while map
  # registers are busy, and may fail again on every retry while they stay
  # busy. With nothing of the driver's in flight, no list comes back to
  # restart the request, so the driver must retry by itself each time a
  # build fails (a timer, a work item, ...), never only the first time.
  @rule:SG-5 @seed:001
  Scenario Outline: Building the list fails <times> times in a row with nothing else in flight: the request is retried each time and completes
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the next <times> calls to GetScatterGatherList by the driver under test fail
    And the next <times> calls to BuildScatterGatherList by the driver under test fail
    And "app.exe" reads into buffers of these sizes:
      | size              | offset into its page |
      | 1 MiB             | 4095                 |
    Then no request failed for lack of resources
    And every byte matches the device's stream
    When the next <times> calls to GetScatterGatherList by the driver under test fail
    And the next <times> calls to BuildScatterGatherList by the driver under test fail
    And "app.exe" writes buffers of these sizes:
      | size    |
      | 1 byte  |
    Then no request failed for lack of resources
    When allocations stop failing
    And every application exits and the driver under test is unloaded
    Then nothing of the driver is left behind
    And the workload passes every check

    Examples:
      | times |
      | 2     |
      | 3     |

  @rule:PAGE-5 @rule:SG-3 @seed:001
  Scenario: Closing the handle while the device moves a request ends every request and puts every list back
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" keeps 4 reads of 4 MiB in flight
    And "app.exe" keeps 2 writes of 2 MiB in flight
    And "app.exe" closes its handle
    Then every mapping the driver under test got has been given back exactly once
    When every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And no DMA touched memory the applications do not own
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:PAGE-5 @rule:SG-5 @seed:001
  Scenario: The application exits while the device moves its requests, some of them in the reserve
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the next 2 calls to GetScatterGatherList by the driver under test fail
    And "app.exe" keeps 4 reads of 2 MiB in flight
    And the application "app.exe" exits
    And allocations stop failing
    And every application exits and the driver under test is unloaded
    Then no DMA touched memory the applications do not own
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:DEV-3 @rule:SG-3 @seed:001 @seed:002
  Scenario: A device error after part of a request ends it in an error claiming no more than the device moved, and the next request works
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the DMA test device refuses a data burst after 1 MiB + 300 KiB
    And "app.exe" reads into buffers of these sizes:
      | size            | offset into its page |
      | 3 MiB + 5 bytes | 5                    |
    Then "app.exe"'s latest request ended as the contract allows
    When the DMA test device refuses a data burst in the middle of it
    And "app.exe" writes buffers of these sizes:
      | size    |
      | 768 KiB |
    Then "app.exe"'s latest request ended as the contract allows
    When the DMA test device refuses a data burst at descriptor 4
    And "app.exe" reads into buffers of these sizes:
      | size  |
      | 1 MiB |
    Then "app.exe"'s latest request ended as the contract allows
    And every mapping the driver under test got has been given back exactly once
    When "app.exe" reads into buffers of these sizes:
      | size    |
      | 256 KiB |
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:DEV-3 @rule:PAGE-5 @seed:001 @seed:002
  Scenario: A device surprise-removed part-way through a request: that request and the next fail cleanly
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the DMA test device is surprise-removed after 1 MiB + 4 KiB
    And "app.exe" reads into buffers of these sizes:
      | size  |
      | 2 MiB |
    Then "app.exe"'s latest request ended as the contract allows
    When "app.exe" reads into buffers of these sizes:
      | size   |
      | 64 KiB |
    Then "app.exe"'s latest request ended as the contract allows
    When every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:SG-5 @rule:SG-3 @seed:001
  Scenario: The scatter/gather list's execution routine runs later, from a DPC: every request completes, also through the reserve
    Given a machine that runs DMA execution routines later, from a DPC
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" keeps 4 reads of 2 MiB in flight
    And "app.exe" waits for its requests
    And every call to ExAllocatePoolWithTag:NonPagedPool by the driver under test fails
    And "app.exe" keeps 4 reads of 1 MiB in flight
    And "app.exe" keeps 2 writes of 768 KiB in flight
    And "app.exe" waits for its requests
    Then no request failed for lack of resources
    And every byte matches the device's stream
    And every mapping the driver under test got has been given back exactly once
    When allocations stop failing
    And every application exits and the driver under test is unloaded
    Then the workload passes every check

  # On a machine that runs DMA execution routines later, a request whose
  # list the HAL has not delivered yet (from pool or built into the reserve)
  # is still the driver's: a close, a cancel or a removal that comes
  # meanwhile must not complete it nor free or reuse the reserve the list is
  # built in. A driver may end it once the routine has delivered the list
  # (putting that list straight back) or run it to the end.
  @rule:SG-5 @rule:PAGE-1 @rule:PAGE-5 @seed:001
  Scenario Outline: <release> while the execution routines of the requests' lists, some in the reserve, are still to come
    Given a machine that runs DMA execution routines later, from a DPC
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the next 2 calls to GetScatterGatherList by the driver under test fail
    And "app.exe" keeps 3 reads of 1 MiB in flight
    And "app.exe" keeps 2 writes of 1 byte in flight
    And <release>
    And allocations stop failing
    And every application exits and the driver under test is unloaded
    Then no DMA touched memory the applications do not own
    And every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

    Examples:
      | release                                  |
      | "app.exe" closes its handle              |
      | "app.exe" cancels its requests           |
      | the application "app.exe" exits          |
      | the DMA test device is surprise-removed  |

  # A request longer than the adapter's map registers is mapped and run in
  # pieces; the failed call is the one that maps the request's second piece,
  # or its last, whatever piece length the driver chose. The piece must still
  # be mapped (into the reserve, or by a later retry) and the request
  # complete in full.
  @rule:SG-5 @rule:SG-3 @seed:001
  Scenario Outline: A request longer than the adapter's map registers whose GetScatterGatherList for its <piece> piece fails still completes, and nothing leaks
    Given the HAL grants the DMA test device's adapter at most 16 map registers
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the driver under test's GetScatterGatherList call for the <piece> piece of a request fails
    And "app.exe" reads into buffers of these sizes:
      | size              | offset into its page |
      | 256 KiB + 5 bytes | 100                  |
    And the driver under test's GetScatterGatherList call for the <piece> piece of a request fails
    And "app.exe" writes buffers of these sizes:
      | size    | offset into its page |
      | 200 KiB | 3000                 |
    Then no request failed for lack of resources
    And every byte matches the device's stream
    And every mapping the driver under test got has been given back exactly once
    When allocations stop failing
    And every application exits and the driver under test is unloaded
    Then nothing of the driver is left behind
    And the workload passes every check

    Examples:
      | piece  |
      | second |
      | last   |

  @rule:SG-5 @rule:SG-4 @seed:001
  Scenario Outline: Building the <piece> piece of a long request into the reserve fails too: the request waits and still completes
    Given the HAL grants the DMA test device's adapter at most 16 map registers
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the driver under test's GetScatterGatherList call for the <piece> piece of a request fails
    And the driver under test's BuildScatterGatherList call for the <piece> piece of a request fails
    And "app.exe" reads into buffers of these sizes:
      | size              | offset into its page |
      | 256 KiB + 5 bytes | 100                  |
    Then no request failed for lack of resources
    And every byte matches the device's stream
    When allocations stop failing
    And every application exits and the driver under test is unloaded
    Then nothing of the driver is left behind
    And the workload passes every check

    Examples:
      | piece  |
      | second |
      | last   |
