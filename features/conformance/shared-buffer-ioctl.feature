@class:shared-buffer-ioctl
Feature: shared-buffer-ioctl - Buffers handed down once stay locked and are filled over and over
  Seed 000 answers the question of an application that streams device data
  into many large buffers: hand the buffers down once in overlapped
  requests the driver keeps pending, so they stay locked for as long as the
  driver holds them; build each buffer's scatter/gather list once and give
  it to the device again for every fill; tell the application about filled
  buffers through an event and a queue shared with it; complete everything
  when the handle is closed. Raising the application's working set instead
  is only a hint (PAGE-2).

  A driver of this class serves the interface of
  src/conformance/shared-buffer-ioctl/interface.ts: the application registers a
  queue, hands buffers down, waits for fills, reads the queue, checks each
  buffer and gives it back. Each scenario then checks the workload: no bug
  check, no verifier finding, every fill matches the device's stream, every
  request completed as the rules require, no DMA outside the applications'
  memory, and nothing left behind once the driver is unloaded.

  Where the contract allows several ways, each is conforming: a request
  overtaken by a failed allocation, a device error or a removal may end in
  any status docs/driver-contract.md ("How a request must end") lists for
  that event, or succeed if the driver retried and got the data, so such
  scenarios judge the request by that table ("ended as the contract
  allows"), never by one driver's choice of status. At the class's edges a
  conforming driver takes a queue of a single entry, and a region with a few
  bytes after its last whole entry (its capacity is the whole entries only),
  and fills buffers down to a byte; it refuses a region a byte short of one
  entry, or whose length runs 4 GiB past its start, with any error status.
  Status: checked.

  @rule:PAGE-6 @rule:PAGE-1 @seed:000 @severity:critical
  Scenario: Buffers handed down once are filled over and over with the list built when they were handed down
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" registers a shared queue of 8 entries
    And "app.exe" hands down 4 buffers of 1 MiB
    And "app.exe" consumes 20 filled buffers
    Then "app.exe" checked 20 fills against the device's stream
    And each buffer's scatter/gather list was built once, however often it was filled
    When every application exits and the driver under test is unloaded
    Then the workload passes every check

  @rule:SG-1 @seed:001
  Scenario: The adapter has map registers for the longest buffer one list maps, not only for one descriptor
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" registers a shared queue of 4 entries
    And "app.exe" hands down 2 buffers of 8 MiB
    And "app.exe" consumes 4 filled buffers
    Then "app.exe" checked 4 fills against the device's stream
    And the DMA verifier and the I/O manager found nothing wrong
    When every application exits and the driver under test is unloaded
    Then the workload passes every check

  @rule:SG-1 @seed:001
  Scenario: With the verifier only recording, a buffer longer than the adapter's map registers fails its request under SG-1
    Given a machine whose DMA verifier only records findings
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" registers a shared queue of 4 entries
    And "app.exe" hands down 2 buffers of 8 MiB
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require

  @rule:PAGE-2 @rule:PAGE-1 @seed:000 @severity:critical
  Scenario: A raised working set does not keep the buffers resident; the pending requests do
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And "app.exe" sets its working set to a minimum of 32 MiB and a maximum of 64 MiB
    When "app.exe" registers a shared queue of 4 entries
    And "app.exe" hands down 3 buffers of 8 MiB
    And memory pressure is severe
    And "app.exe" consumes 4 filled buffers
    And memory pressure is severe
    And "app.exe" consumes 3 filled buffers
    Then "app.exe" checked 7 fills against the device's stream
    When every application exits and the driver under test is unloaded
    Then no DMA touched memory the applications do not own
    And the workload passes every check

  @rule:PAGE-5 @seed:000 @severity:critical
  Scenario: Closing the handle gives back every buffer, cancels the waits and releases the queue
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" registers a shared queue of 4 entries
    And "app.exe" hands down 4 buffers of 256 KiB
    And "app.exe" consumes 3 filled buffers
    And "app.exe" closes its handle
    Then "app.exe" has no pages locked for I/O
    When every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:PAGE-5 @seed:000
  Scenario: The application exits while the device is filling its buffers
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" registers a shared queue of 4 entries
    And "app.exe" hands down 4 buffers of 2 MiB
    And the application "app.exe" exits
    And every application exits and the driver under test is unloaded
    Then nothing of the driver is left behind
    And the workload passes every check

  @rule:PAGE-3 @seed:000
  Scenario: A queue the application does not own is refused with an error status
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" registers a shared queue at a kernel address
    Then "app.exe"'s latest request ended as the contract allows
    When "app.exe" registers a shared queue in memory it has freed
    Then "app.exe"'s latest request ended as the contract allows
    When "app.exe" registers a shared queue too small for one entry
    Then "app.exe"'s latest request ended as the contract allows
    When "app.exe" registers a shared queue of 2 entries
    And "app.exe" hands down 2 buffers of 64 KiB
    And "app.exe" consumes 4 filled buffers
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And no DMA touched memory the applications do not own
    And the workload passes every check

  @rule:PAGE-1 @rule:PAGE-3 @seed:000
  Scenario: At the class's edges a queue of one entry, or of whole entries and a few bytes, serves its buffers over and over, and a queue a byte short of an entry is refused
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And the application "viewer.exe" has opened the device
    When "app.exe" registers a shared queue 1 byte too small for one entry
    Then "app.exe"'s latest request ended as the contract allows
    When "app.exe" registers a shared queue of 1 entries
    And "app.exe" hands down 1 buffers of 1 byte
    And "app.exe" consumes 5 filled buffers
    Then "app.exe" checked 5 fills against the device's stream
    When "viewer.exe" registers a shared queue of 2 entries and 15 bytes more
    And "viewer.exe" hands down 2 buffers of 64 KiB
    And "viewer.exe" consumes 6 filled buffers
    Then "viewer.exe" checked 6 fills against the device's stream
    When every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And the workload passes every check

  @rule:PAGE-3 @seed:000
  Scenario: A queue whose length runs 4 GiB past its start is refused, and the next registration works
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" registers a shared queue whose length runs 4 GiB past its start
    Then "app.exe"'s latest request ended as the contract allows
    When "app.exe" registers a shared queue of 2 entries
    And "app.exe" hands down 2 buffers of 64 KiB
    And "app.exe" consumes 4 filled buffers
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And no DMA touched memory the applications do not own
    And the workload passes every check

  @rule:MDL-3 @rule:PAGE-5 @seed:003
  Scenario: No system address for the queue: the registration fails and the machine keeps running
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When every call to MmGetSystemAddressForMdlSafe by the driver under test fails
    And "app.exe" registers a shared queue of 4 entries
    Then "app.exe"'s latest request ended as the contract allows
    When allocations stop failing
    And "app.exe" registers a shared queue of 4 entries
    And "app.exe" hands down 2 buffers of 128 KiB
    And "app.exe" consumes 4 filled buffers
    And every application exits and the driver under test is unloaded
    Then the workload passes every check

  @rule:SG-3 @seed:000
  Scenario: Closing the handle while the device fills one of its buffers puts that buffer's list back too
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" registers a shared queue of 4 entries
    And "app.exe" hands down 3 buffers of 512 KiB
    And "app.exe" consumes 2 filled buffers
    And "app.exe" closes its handle
    Then every mapping the driver under test got has been given back exactly once
    When every application exits and the driver under test is unloaded
    Then the workload passes every check

  @rule:SG-3 @rule:PAGE-5 @seed:000
  Scenario: Two applications stream through the device at once, and each list goes back once
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And the application "viewer.exe" has opened the device
    When "app.exe" registers a shared queue of 4 entries
    And "viewer.exe" registers a shared queue of 4 entries
    And "app.exe" hands down 3 buffers of 512 KiB
    And "viewer.exe" hands down 2 buffers of 1 MiB
    And "app.exe" consumes 5 filled buffers
    And "viewer.exe" consumes 4 filled buffers
    And "viewer.exe" closes its handle
    And "app.exe" consumes 3 filled buffers
    And every application exits and the driver under test is unloaded
    Then the DMA verifier and the I/O manager found nothing wrong
    And the workload passes every check

  @rule:PAGE-1 @rule:PAGE-5 @seed:000
  Scenario: A buffer whose request is cancelled is given back and never filled again
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" registers a shared queue of 4 entries
    And "app.exe" hands down 2 buffers of 256 KiB
    And "app.exe" consumes 2 filled buffers
    And "app.exe" cancels its requests
    And "app.exe" hands down 2 buffers of 256 KiB
    And "app.exe" consumes 4 filled buffers
    And every application exits and the driver under test is unloaded
    Then no DMA touched memory the applications do not own
    And the workload passes every check

  @rule:DEV-3 @seed:002
  Scenario: A fill the device fails is reported empty, and streaming goes on
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" registers a shared queue of 4 entries
    And "app.exe" hands down 2 buffers of 256 KiB
    And the DMA test device refuses its next data burst
    And "app.exe" consumes 6 filled buffers
    And every application exits and the driver under test is unloaded
    Then the workload passes every check

  @seed:000 @seed:003
  Scenario Outline: A registration whose <call> fails once ends as the contract allows, leaves nothing locked, and the next one works
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the next 1 call to <call> by the driver under test fails
    And "app.exe" registers a shared queue of 4 entries
    Then "app.exe"'s latest request ended as the contract allows
    And "app.exe" has no pages locked for I/O
    When allocations stop failing
    And "app.exe" registers a shared queue of 4 entries
    And "app.exe" hands down 2 buffers of 128 KiB
    And "app.exe" consumes 4 filled buffers
    And every application exits and the driver under test is unloaded
    Then nothing of the driver is left behind
    And the workload passes every check

    @rule:MDL-1 @rule:PAGE-5
    Examples: the queue's MDL and lock
      | call                |
      | IoAllocateMdl       |
      | MmProbeAndLockPages |

    @rule:MDL-3 @rule:PAGE-5
    Examples: the queue's system address
      | call                         |
      | MmGetSystemAddressForMdlSafe |

  @seed:000 @seed:003
  Scenario Outline: A buffer whose <call> by <who> fails once as it is handed down ends as the contract allows, leaves nothing locked, and streaming goes on
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" registers a shared queue of 4 entries
    And "app.exe" hands down 1 buffers of 256 KiB
    And the next 1 call to <call> by <who> fails
    And "app.exe" hands down 1 buffers of 256 KiB
    Then "app.exe"'s latest request ended as the contract allows
    When allocations stop failing
    And "app.exe" hands down 1 buffers of 256 KiB
    And "app.exe" consumes 4 filled buffers
    Then "app.exe" checked 4 fills against the device's stream
    When "app.exe" closes its handle
    Then "app.exe" has no pages locked for I/O
    When every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

    @rule:MDL-1 @rule:PAGE-5
    Examples: the I/O manager's MDL, lock and IRP for the buffer
      | call          | who             |
      | IoAllocateMdl | the I/O manager |
      | IoAllocateIrp | the I/O manager |

    @rule:SG-3 @rule:PAGE-5
    Examples: the buffer's scatter/gather list
      | call                 | who                   |
      | GetScatterGatherList | the driver under test |

  @rule:DEV-3 @seed:000 @seed:002
  Scenario: Device errors part-way through a fill: the fill is reported empty, and streaming goes on
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" registers a shared queue of 4 entries
    And "app.exe" hands down 2 buffers of 512 KiB
    And the DMA test device refuses a data burst after 200 KiB
    And "app.exe" consumes 3 filled buffers
    And the DMA test device refuses a data burst in the middle of it
    And "app.exe" consumes 3 filled buffers
    And the DMA test device refuses a data burst at descriptor 3
    And "app.exe" consumes 3 filled buffers
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:DEV-3 @rule:PAGE-5 @seed:000 @seed:002
  Scenario: A device surprise-removed part-way through a fill: every buffer is given back, and closing the handle ends the rest cleanly
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" registers a shared queue of 4 entries
    And "app.exe" hands down 2 buffers of 512 KiB
    And "app.exe" consumes 2 filled buffers
    And the DMA test device is surprise-removed after 100 KiB
    And "app.exe" closes its handle
    Then "app.exe" has no pages locked for I/O
    When every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:PAGE-6 @rule:SG-3 @seed:000
  Scenario: The scatter/gather list's execution routine runs later, from a DPC: buffers are still filled over and over
    Given a machine that runs DMA execution routines later, from a DPC
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" registers a shared queue of 4 entries
    And "app.exe" hands down 3 buffers of 1 MiB
    And "app.exe" consumes 9 filled buffers
    Then "app.exe" checked 9 fills against the device's stream
    And each buffer's scatter/gather list was built once, however often it was filled
    When "app.exe" closes its handle
    Then every mapping the driver under test got has been given back exactly once
    When every application exits and the driver under test is unloaded
    Then the workload passes every check
