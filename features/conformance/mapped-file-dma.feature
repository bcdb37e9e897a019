@class:mapped-file-dma
Feature: mapped-file-dma - DMA straight into a mapped file, which the application then flushes
  An application can map a file, empty or holding data, and pass the view's
  address to the driver: the device then fills the view, or reads it, with
  no copy in between. The view's pages need not be in memory: locking them
  reads them from the file first. What the device writes lands in the
  view's frames, and the file on disk changes when the application flushes
  the view (PAGE-4). The view is pageable memory like any other, so it stays
  locked for as long as the device uses it (PAGE-1); locking an address the
  application does not own raises, which the driver catches and turns into
  an error status (PAGE-3); and every lock is undone exactly once, before
  the process exits (PAGE-5) (seed 000).

  A driver of this class takes the view with the class's METHOD_NEITHER
  IOCTLs: the output buffer is the view, the input buffer the device stream
  offset to start at (src/conformance/mapped-file-dma/interface.ts).

  Where the contract allows several ways, each is conforming: a request
  overtaken by a failed allocation, a device error or a removal may end in
  any status docs/driver-contract.md ("How a request must end") lists for
  that event, or succeed if the driver retried and got the data, so such
  scenarios judge the request by that table ("ended as the contract
  allows"), never by one driver's choice of status.
  A driver may map its transfers with GetScatterGatherList,
  BuildScatterGatherList or AllocateAdapterChannel and MapTransfer, so the
  scenarios count every mapping it got, lists, adapter channels and map
  registers, and ask that each went back once; a failed mapping call of
  either way may end the request or be retried. The suite's conforming
  drivers (conforming/ of the class folder) take the other ways and pass
  every scenario.
  Status: checked. The suite drives the driver and observes the view, its
  frames and the file; the memory manager stops the machine when pages are
  left locked at process exit.

  @rule:PAGE-4 @seed:000 @severity:critical
  Scenario: The device fills an empty file's view; the file holds the data once the view is flushed
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And "app.exe" maps an empty file "capture.dat" of 3 MiB
    When "app.exe" has the device fill its view of "capture.dat"
    Then every byte matches the device's stream
    And the file "capture.dat" does not hold the device's data yet
    When "app.exe" flushes its view of "capture.dat"
    Then the file "capture.dat" holds the device's data
    When every application exits and the driver under test is unloaded
    Then the workload passes every check

  # The class's interface allows a view of one byte up to
  # MAPPED_FILE_MAXIMUM_REQUEST (64 MiB) per request; a driver must take the
  # whole range, the largest view included, in as many pieces as its
  # adapter and ring need. The largest views are resident when handed over
  # (the application has read them): the machine reads a view's pages from
  # the file one at a time, 5 ms each, and 64 MiB of them would take longer
  # than any one call into a driver may.
  @rule:PAGE-4 @seed:000 @severity:critical
  Scenario: Views from one byte to the class's largest request, 64 MiB, each reach their file
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And "app.exe" maps an empty file "one-byte.dat" of 1 byte
    And "app.exe" maps an empty file "one-page.dat" of 4 KiB
    And "app.exe" maps an empty file "page-and-a-byte.dat" of 4 KiB + 1 byte
    And "app.exe" maps an empty file "largest.dat" of 64 MiB
    And "app.exe" maps a file "source.dat" of 4 KiB + 1 byte holding data for the device
    And "app.exe" has read every page of its view of "largest.dat"
    When "app.exe" has the device fill its view of "one-byte.dat"
    And "app.exe" has the device fill its view of "one-page.dat"
    And "app.exe" has the device fill its view of "page-and-a-byte.dat"
    And "app.exe" has the device fill its view of "largest.dat"
    And "app.exe" has the device read its view of "source.dat"
    Then every request completed with the status and length the rules require
    And every byte matches the device's stream
    When "app.exe" flushes its view of "one-byte.dat"
    And "app.exe" flushes its view of "page-and-a-byte.dat"
    And "app.exe" flushes its view of "largest.dat"
    Then the file "one-byte.dat" holds the device's data
    And the file "page-and-a-byte.dat" holds the device's data
    And the file "largest.dat" holds the device's data
    When every application exits and the driver under test is unloaded
    Then the workload passes every check

  @rule:PAGE-4 @seed:000
  Scenario: Locking a view that is not resident reads it from the file, and the device reads the file's data
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And "app.exe" maps a file "source.dat" of 256 KiB holding data for the device
    And no page of the view of "source.dat" is resident
    When "app.exe" has the device read its view of "source.dat"
    Then 64 pages were read from the file "source.dat"
    And every byte matches the device's stream
    When every application exits and the driver under test is unloaded
    Then the workload passes every check

  @rule:PAGE-1 @rule:PAGE-4 @seed:000 @severity:critical
  Scenario: The view stays in its frames while the device writes, through severe memory pressure
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And "app.exe" maps an empty file "capture.dat" of 6 MiB
    When "app.exe" has the device fill its view of "capture.dat" without waiting
    And memory pressure is severe
    And "app.exe" waits for its requests
    Then no DMA touched memory the applications do not own
    And every byte matches the device's stream
    When "app.exe" flushes its view of "capture.dat"
    Then the file "capture.dat" holds the device's data
    When every application exits and the driver under test is unloaded
    Then the workload passes every check

  @rule:PAGE-3 @seed:000 @seed:003
  Scenario: A view the application already unmapped gets an error status, never a crash
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And "app.exe" maps an empty file "gone.dat" of 1 MiB
    And "app.exe" maps an empty file "capture.dat" of 1 MiB
    When "app.exe" unmaps its view of "gone.dat" and hands it to the device anyway
    And "app.exe" has the device fill its view of "capture.dat"
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And no DMA touched memory the applications do not own
    And the workload passes every check

  @rule:PAGE-5 @seed:000 @severity:critical
  Scenario: Every view is unlocked once the device is done with it, also when the handle closes with requests queued
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And "app.exe" maps an empty file "a.dat" of 2 MiB
    And "app.exe" maps an empty file "b.dat" of 2 MiB
    And "app.exe" maps a file "c.dat" of 1 MiB holding data for the device
    When "app.exe" has the device fill its view of "a.dat"
    And "app.exe" has the device fill its view of "b.dat" without waiting
    And "app.exe" has the device read its view of "c.dat"
    And "app.exe" has the device fill its view of "a.dat" without waiting
    And "app.exe" closes its handle
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:PAGE-5 @rule:DEV-3 @seed:000
  Scenario: A transfer the device fails ends its request with an error, and the view is unlocked once
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And "app.exe" maps an empty file "a.dat" of 1 MiB
    And "app.exe" maps an empty file "b.dat" of 1 MiB
    When the DMA test device refuses its next data burst
    And "app.exe" has the device fill its view of "a.dat"
    And "app.exe" has the device fill its view of "b.dat"
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:PAGE-5 @seed:000
  Scenario: Requests cancelled while they wait for the device end cancelled, with their views unlocked
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And "app.exe" maps an empty file "a.dat" of 2 MiB
    And "app.exe" maps an empty file "b.dat" of 2 MiB
    And "app.exe" maps an empty file "c.dat" of 2 MiB
    When "app.exe" has the device fill its view of "a.dat" without waiting
    And "app.exe" has the device fill its view of "b.dat" without waiting
    And "app.exe" has the device fill its view of "c.dat" without waiting
    And "app.exe" cancels its requests
    And "app.exe" waits for its requests
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:PAGE-1 @rule:PAGE-5 @seed:000
  Scenario: A request cancelled while the device fills its view keeps the view locked until the device stops
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And "app.exe" maps an empty file "a.dat" of 8 MiB
    When "app.exe" has the device fill its view of "a.dat" without waiting
    And "app.exe" cancels its requests
    And "app.exe" waits for its requests
    Then no DMA touched memory the applications do not own
    When every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

  @seed:000 @seed:003
  Scenario Outline: A fill whose <call> fails once ends as the contract allows, leaves the view unlocked, and the next fill works
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And "app.exe" maps an empty file "a.dat" of 1 MiB
    When the next 1 call to <call> by the driver under test fails
    And "app.exe" has the device fill its view of "a.dat"
    Then "app.exe"'s latest request ended as the contract allows
    When allocations stop failing
    And "app.exe" has the device fill its view of "a.dat"
    Then every byte matches the device's stream
    When every application exits and the driver under test is unloaded
    Then nothing of the driver is left behind
    And the workload passes every check

    @rule:MDL-1 @rule:PAGE-5
    Examples: the MDL and the lock of the view
      | call                |
      | IoAllocateMdl       |
      | MmProbeAndLockPages |

    @rule:SG-3 @rule:PAGE-5
    Examples: the view's scatter/gather list
      | call                 |
      | GetScatterGatherList |

    @rule:SG-1 @rule:PAGE-5
    Examples: the view's adapter channel and map registers
      | call                   |
      | AllocateAdapterChannel |

  @rule:PAGE-1 @rule:PAGE-5 @seed:000
  Scenario: The application exits while the device fills its view: the view stays locked until the device stops, then is unlocked once
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And "app.exe" maps an empty file "a.dat" of 8 MiB
    And "app.exe" maps an empty file "b.dat" of 1 MiB
    When "app.exe" has the device fill its view of "a.dat" without waiting
    And "app.exe" has the device fill its view of "b.dat" without waiting
    And the application "app.exe" exits
    And memory pressure is severe
    Then no DMA touched memory the applications do not own
    When every application exits and the driver under test is unloaded
    Then nothing of the driver is left behind
    And the workload passes every check

  @rule:DEV-3 @rule:PAGE-5 @seed:000 @seed:002
  Scenario: A device error after part of a fill ends it in an error claiming no more than the device moved, and the next fill works
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And "app.exe" maps an empty file "a.dat" of 2 MiB
    And "app.exe" maps a file "b.dat" of 1 MiB holding data for the device
    When the DMA test device refuses a data burst after 700 KiB
    And "app.exe" has the device fill its view of "a.dat"
    Then "app.exe"'s latest request ended as the contract allows
    When the DMA test device refuses a data burst in the middle of it
    And "app.exe" has the device read its view of "b.dat"
    Then "app.exe"'s latest request ended as the contract allows
    When "app.exe" has the device fill its view of "a.dat"
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:DEV-3 @rule:PAGE-5 @seed:000 @seed:002
  Scenario: A device surprise-removed part-way through a fill: that fill and the next fail cleanly, and the views are unlocked
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And "app.exe" maps an empty file "a.dat" of 2 MiB
    When the DMA test device is surprise-removed after 300 KiB
    And "app.exe" has the device fill its view of "a.dat"
    Then "app.exe"'s latest request ended as the contract allows
    When "app.exe" has the device fill its view of "a.dat"
    Then "app.exe"'s latest request ended as the contract allows
    When every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:PAGE-4 @rule:PAGE-5 @seed:000
  Scenario: The mapping's execution routine (of GetScatterGatherList or AllocateAdapterChannel) runs later, from a DPC: the file still gets the device's data
    Given a machine that runs DMA execution routines later, from a DPC
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And "app.exe" maps an empty file "capture.dat" of 3 MiB
    And "app.exe" maps a file "source.dat" of 1 MiB holding data for the device
    When "app.exe" has the device fill its view of "capture.dat"
    And "app.exe" has the device read its view of "source.dat"
    And "app.exe" flushes its view of "capture.dat"
    Then the file "capture.dat" holds the device's data
    And every byte matches the device's stream
    When "app.exe" has the device fill its view of "capture.dat" without waiting
    And "app.exe" closes its handle
    And every application exits and the driver under test is unloaded
    Then nothing of the driver is left behind
    And the workload passes every check

  # On a machine that runs DMA execution routines later, a request whose
  # list the HAL has not delivered yet is still the driver's: a close, a
  # cancel or a removal that comes meanwhile must not unlock its view or
  # complete it (the HAL maps those pages) nor free the MDL the list is
  # built over. A driver may end it once the routine has delivered the list
  # (putting that list straight back) or run it to the end; either way the
  # view is unlocked once.
  @rule:PAGE-1 @rule:PAGE-5 @seed:000
  Scenario Outline: <release> while the execution routine of the view's list is still to come
    Given a machine that runs DMA execution routines later, from a DPC
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And "app.exe" maps an empty file "a.dat" of 1 MiB
    And "app.exe" maps an empty file "b.dat" of 1 byte
    When "app.exe" has the device fill its view of "a.dat" without waiting
    And "app.exe" has the device fill its view of "b.dat" without waiting
    And <release>
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

  # A view longer than the adapter's map registers is mapped and moved in
  # pieces; the failed call is the one that maps the request's second piece,
  # or its last, whatever piece length the driver chose. A driver may retry
  # the piece (and succeed) or end the request in an error once the piece on
  # the device has ended; either way the view is unlocked once.
  @rule:SG-3 @rule:PAGE-5 @seed:001
  Scenario Outline: A view longer than the adapter's map registers whose <call> for its <piece> piece fails ends as the contract allows, is unlocked, and the next transfer works
    Given the HAL grants the DMA test device's adapter at most 16 map registers
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And "app.exe" maps an empty file "a.dat" of 256 KiB
    And "app.exe" maps a file "b.dat" of 200 KiB holding data for the device
    When the driver under test's <call> call for the <piece> piece of a request fails
    And "app.exe" has the device fill its view of "a.dat"
    Then "app.exe"'s latest request ended as the contract allows
    When the driver under test's <call> call for the <piece> piece of a request fails
    And "app.exe" has the device read its view of "b.dat"
    Then "app.exe"'s latest request ended as the contract allows
    When allocations stop failing
    And "app.exe" has the device fill its view of "a.dat"
    And "app.exe" flushes its view of "a.dat"
    Then the file "a.dat" holds the device's data
    When every application exits and the driver under test is unloaded
    Then nothing of the driver is left behind
    And the workload passes every check

    Examples:
      | call                   | piece  |
      | GetScatterGatherList   | second |
      | GetScatterGatherList   | last   |
      | BuildScatterGatherList | second |
      | BuildScatterGatherList | last   |
