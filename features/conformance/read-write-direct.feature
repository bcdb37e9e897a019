@class:read-write-direct
Feature: read-write-direct - Direct-I/O reads and writes reach the application's buffers intact
  A driver of this class serves ReadFile and WriteFile on the DMA test device
  with direct I/O. The I/O manager probes and locks each caller's buffer
  into an MDL before the driver sees the request and unlocks it when the
  request completes (MDL-4); the driver maps the buffer for the device,
  giving each mapping back once (SG-3), and programs the device
  with descriptors it accepts (DEV-2). The request's byte offset is where in
  the device's data stream the transfer starts (seeds 001 and 003).

  Each scenario runs a workload against the driver under test and then
  checks it: the machine did not stop and the driver did not hang, the DMA
  verifier and the I/O manager recorded nothing, every byte the device moved
  matches its stream, every request completed with the status and length
  the rules require, no DMA touched memory the applications do not own, and
  once the applications have exited and the driver is unloaded nothing of it
  is left behind.

  Every read and write of 1 byte to 8 MiB
  (READ_WRITE_DIRECT_LARGEST_REQUEST), starting anywhere in a page, must
  succeed in full; a driver may refuse a longer one.

  Where the contract allows several ways, each is conforming: a request
  overtaken by a failed allocation, a device error or a removal may end in
  any status docs/driver-contract.md ("How a request must end") lists for
  that event, or succeed if the driver retried and got the data, so such
  scenarios judge the request by that table ("ended as the contract
  allows"), never by one driver's choice of status.
  A driver may map its transfers with GetScatterGatherList,
  BuildScatterGatherList or AllocateAdapterChannel and MapTransfer (moving a
  request longer than its map registers in pieces), so the scenarios count
  every mapping it got, lists, adapter channels and map registers, and ask
  that each went back once. A mapping that fails for lack of resources may
  fail its request at once or be retried (when resources come back, or from
  a timer, a bounded number of times) before the request fails with that
  status. The suite's conforming drivers (conforming/ of the class folder)
  take these other ways and pass every scenario.
  Status: checked. The suite drives the driver and observes the machine;
  the verifier and the memory manager stop the machine on the misuses they
  enforce themselves.

  @rule:MDL-4 @rule:SG-7 @seed:003 @severity:critical
  Scenario: Buffers from one byte to 8 MiB, at unaligned starts and odd lengths
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" reads into buffers of these sizes:
      | size             | offset into its page |
      | 1 byte           | 0                    |
      | 13 bytes         | 4090                 |
      | 4 KiB            | 0                    |
      | 4 KiB + 1 byte   | 4095                 |
      | 64 KiB + 3 bytes | 7                    |
      | 1 MiB + 7 bytes  | 333                  |
      | 8 MiB            | 0                    |
      | 8 MiB - 5 bytes  | 5                    |
      | 8 MiB            | 4095                 |
    And "app.exe" writes buffers of these sizes:
      | size               | offset into its page |
      | 1 byte             | 4095                 |
      | 2 bytes            | 4095                 |
      | 4 KiB - 1 byte     | 1                    |
      | 300 KiB + 11 bytes | 2048                 |
      | 8 MiB              | 12                   |
    And every application exits and the driver under test is unloaded
    Then the workload passes every check

  @rule:MDL-4 @rule:DEV-2 @seed:001
  Scenario: A seeded mix of reads and writes from one byte to 8 MiB, three in flight at a time
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" runs a mix of 24 reads and writes of up to 8 MiB, 3 in flight at a time
    And every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And every request completed with the status and length the rules require
    And the workload passes every check

  @rule:PAGE-1 @seed:000 @seed:003 @severity:critical
  Scenario: Buffers in flight stay where the device writes them through severe memory pressure
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And the application "other.exe" has opened the device
    When "app.exe" keeps 3 reads of 8 MiB in flight
    And memory pressure is severe
    And "other.exe" reads into buffers of these sizes:
      | size  |
      | 8 MiB |
    And memory pressure is severe
    And "app.exe" waits for its requests
    And every application exits and the driver under test is unloaded
    Then no DMA touched memory the applications do not own
    And every byte matches the device's stream
    And the workload passes every check

  @rule:PAGE-3 @seed:003
  Scenario: Hostile buffers get an error status, never a crash, and no DMA
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And "app.exe" has a buffer "A" of 64 KiB
    And buffer "A" of "app.exe" is paged out and its page 3 cannot be read back
    When "app.exe" reads 64 KiB into a kernel address
    And "app.exe" writes 8 KiB from a kernel address
    And "app.exe" reads 1 MiB into a buffer it has freed
    And "app.exe" reads more than its 12 KiB buffer holds
    And "app.exe" reads into buffer "A", which it can no longer read back
    Then "app.exe"'s latest request failed with STATUS_IN_PAGE_ERROR
    When "app.exe" reads into buffers of these sizes:
      | size  | offset into its page |
      | 1 MiB | 100                  |
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And no DMA touched memory the applications do not own
    And the workload passes every check

  @rule:PAGE-1 @rule:PAGE-3 @seed:000
  Scenario: The application frees a buffer while the device is filling it
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" keeps 2 reads of 8 MiB in flight
    And "app.exe" frees the buffer of its latest request while it is in flight
    And memory pressure is severe
    And "app.exe" waits for its requests
    And every application exits and the driver under test is unloaded
    Then no DMA touched memory the applications do not own
    And the workload passes every check

  @rule:PAGE-5 @seed:000 @severity:critical
  Scenario: Closing the handle with requests in flight completes or cancels every one of them
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" keeps 6 reads of 1 MiB in flight
    And "app.exe" keeps 2 writes of 2 MiB in flight
    And "app.exe" closes its handle
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:PAGE-5 @seed:000
  Scenario: The application exits with requests in flight
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" keeps 5 reads of 2 MiB in flight
    And the application "app.exe" exits
    And every application exits and the driver under test is unloaded
    Then nothing of the driver is left behind
    And the workload passes every check

  @rule:SG-3 @seed:001
  Scenario: Every scatter/gather list goes back exactly once, also when getting one fails
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the next 2 calls to GetScatterGatherList by the driver under test fail
    And "app.exe" keeps 4 reads of 512 KiB in flight
    And "app.exe" waits for its requests
    And allocations stop failing
    And "app.exe" runs a mix of 8 reads and writes of up to 2 MiB, 2 in flight at a time
    And every application exits and the driver under test is unloaded
    Then the DMA verifier and the I/O manager found nothing wrong
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:SG-3 @rule:PAGE-3 @seed:001
  Scenario: The I/O manager cannot lock a buffer: the request fails cleanly
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When every call to IoAllocateMdl by the I/O manager fails
    And "app.exe" reads into buffers of these sizes:
      | size    |
      | 256 KiB |
    Then "app.exe"'s latest request ended as the contract allows
    When allocations stop failing
    And "app.exe" reads into buffers of these sizes:
      | size    |
      | 256 KiB |
    And every application exits and the driver under test is unloaded
    Then the workload passes every check

  @rule:SG-2 @seed:001
  Scenario: Requests in flight together each get a mapping of their own
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" keeps 4 reads of 1 MiB in flight
    And "app.exe" keeps 4 writes of 768 KiB in flight
    And "app.exe" waits for its requests
    And every application exits and the driver under test is unloaded
    Then the DMA verifier and the I/O manager found nothing wrong
    And the workload passes every check

  @rule:SG-6 @seed:001
  Scenario: A device that addresses only 32 bits reaches buffers above 4 GiB through bounce buffers
    Given the DMA test device can address only 32 bits
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" reads into buffers of these sizes:
      | size            | offset into its page |
      | 256 KiB         | 0                    |
      | 3 MiB + 5 bytes | 17                   |
    And "app.exe" writes buffers of these sizes:
      | size  | offset into its page |
      | 2 MiB | 4000                 |
    And "app.exe" keeps 3 reads of 1 MiB in flight
    And "app.exe" waits for its requests
    And every application exits and the driver under test is unloaded
    Then data for the device went through bounce buffers
    And every byte matches the device's stream
    And the workload passes every check

  @rule:SG-1 @seed:001
  Scenario: A device with few map registers gets unaligned requests cut to the pages the adapter granted
    Given the DMA test device can address only 32 bits
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" reads into buffers of these sizes:
      | size            | offset into its page |
      | 1 MiB           | 100                  |
      | 3 MiB + 5 bytes | 17                   |
    And "app.exe" writes buffers of these sizes:
      | size  | offset into its page |
      | 2 MiB | 4000                 |
    And every application exits and the driver under test is unloaded
    Then the DMA verifier and the I/O manager found nothing wrong
    And every request completed with the status and length the rules require
    And the workload passes every check

  @rule:VER-DIRECTION-MISMATCH @seed:001
  Scenario: Each buffer is mapped for the direction the device moves its data
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" reads into buffers of these sizes:
      | size            | offset into its page |
      | 64 KiB          | 0                    |
      | 1 MiB + 3 bytes | 21                   |
    And "app.exe" writes buffers of these sizes:
      | size    | offset into its page |
      | 64 KiB  | 0                    |
      | 512 KiB | 4000                 |
    And every application exits and the driver under test is unloaded
    Then the DMA verifier and the I/O manager found nothing wrong
    And the workload passes every check

  @rule:PAGE-1 @seed:000
  Scenario: With the verifier only recording, a read holds the device's data when it completes
    Given a machine whose DMA verifier only records findings
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" keeps 2 reads of 1 MiB in flight
    And "app.exe" waits for its requests
    And every application exits and the driver under test is unloaded
    Then every byte matches the device's stream

  @rule:PAGE-1 @seed:000
  Scenario: With the verifier only recording, the device writes only into buffers of requests still in flight
    Given a machine whose DMA verifier only records findings
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" keeps 2 reads of 1 MiB in flight
    And the application "app.exe" exits
    And every application exits and the driver under test is unloaded
    Then no DMA touched memory the applications do not own

  @rule:VER-DIRECTION-MISMATCH @seed:001
  Scenario: With the verifier only recording, a buffer mapped against the device's direction is still a finding
    Given a machine whose DMA verifier only records findings
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" reads into buffers of these sizes:
      | size   |
      | 64 KiB |
    And "app.exe" writes buffers of these sizes:
      | size   |
      | 64 KiB |
    And every application exits and the driver under test is unloaded
    Then the DMA verifier and the I/O manager found nothing wrong

  @rule:DEV-2 @seed:002
  Scenario: Physically contiguous buffers longer than the device's maximum transfer are cut into descriptors it accepts
    Given a machine that hands out page frames in physical order
    And the DMA test device moves at most 16 KiB per descriptor
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" reads into buffers of these sizes:
      | size            | offset into its page |
      | 1 MiB           | 0                    |
      | 2 MiB + 3 bytes | 9                    |
    And "app.exe" writes buffers of these sizes:
      | size  |
      | 1 MiB |
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And the workload passes every check

  @rule:DEV-1 @seed:002
  Scenario: The device masters the bus because the driver enabled it
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" reads into buffers of these sizes:
      | size   |
      | 64 KiB |
    And "app.exe" writes buffers of these sizes:
      | size   |
      | 64 KiB |
    And every application exits and the driver under test is unloaded
    Then the DMA verifier and the I/O manager found nothing wrong
    And the workload passes every check

  @rule:DEV-3 @seed:002
  Scenario: A device that fails or hangs mid-transfer: every request still completes
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the DMA test device refuses its next data burst
    And "app.exe" keeps 2 reads of 1 MiB in flight
    And "app.exe" waits for its requests
    And the DMA test device hangs
    And "app.exe" keeps 2 reads of 256 KiB in flight
    And "app.exe" waits for its requests
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And the workload passes every check

  @rule:DEV-3 @rule:SG-1 @seed:002
  Scenario: A device error gives back a request's mapped pieces unstarted, and the request waiting for their map registers is then mapped
    # With 16 map registers a 64 KiB read goes in two pieces, both mapped ahead. The device fails the first; the
    # second goes back unstarted. The 1-byte read behind it could not get its list while both were out: it must be
    # mapped once they are back, though no transfer in flight is left to end.
    Given the HAL grants the DMA test device's adapter at most 16 map registers
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" keeps 1 read of 64 KiB in flight
    And the DMA test device refuses its next data burst
    And "app.exe" keeps 1 read of 1 byte in flight
    And the next 2 calls to GetScatterGatherList by the driver under test fail
    And "app.exe" waits for its requests
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And the workload passes every check

  @rule:DEV-3 @seed:002
  Scenario: A transfer the device fails part-way never ends its request in success
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the DMA test device refuses its next data burst
    And "app.exe" writes buffers of these sizes:
      | size  |
      | 1 MiB |
    And the DMA test device refuses its next data burst
    And "app.exe" reads into buffers of these sizes:
      | size              | offset into its page |
      | 512 KiB + 9 bytes | 9                    |
    And "app.exe" reads into buffers of these sizes:
      | size   |
      | 64 KiB |
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And the workload passes every check

  @slow @rule:PAGE-1 @rule:PAGE-6 @seed:000
  Scenario: Many 8 MiB buffers, as the application of seed 000 allocates them
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" keeps 10 reads of 8 MiB in flight
    And memory pressure is severe
    And "app.exe" waits for its requests
    And "app.exe" keeps 6 writes of 8 MiB in flight
    And "app.exe" waits for its requests
    And every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And the workload passes every check

  @rule:PAGE-1 @rule:PAGE-5 @seed:000
  Scenario: Closing the handle while the device moves a read keeps the buffer locked until the device has stopped
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" keeps 2 reads of 8 MiB in flight
    And "app.exe" closes its handle
    Then no DMA touched memory the applications do not own
    And every mapping the driver under test got has been given back exactly once
    When every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And the workload passes every check

  @rule:SG-3 @rule:DEV-3 @seed:001
  Scenario: A transfer the device fails part-way gives its list back, and its request fails
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" keeps 3 reads of 1 MiB in flight
    And the DMA test device refuses its next data burst
    And "app.exe" waits for its requests
    Then every mapping the driver under test got has been given back exactly once
    When every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And the workload passes every check

  @seed:001 @seed:003
  Scenario Outline: A read whose <call> by <who> fails once ends as the contract allows, leaks nothing, and the next read works
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the next 1 call to <call> by <who> fails
    And "app.exe" reads into buffers of these sizes:
      | size    | offset into its page |
      | 256 KiB | 100                  |
    Then "app.exe"'s latest request ended as the contract allows
    When allocations stop failing
    And "app.exe" reads into buffers of these sizes:
      | size    | offset into its page |
      | 256 KiB | 100                  |
    And every application exits and the driver under test is unloaded
    Then nothing of the driver is left behind
    And the workload passes every check

    @rule:SG-3
    Examples: the driver's scatter/gather list
      | call                 | who                   |
      | GetScatterGatherList | the driver under test |

    @rule:SG-1
    Examples: the driver's adapter channel and map registers
      | call                   | who                   |
      | AllocateAdapterChannel | the driver under test |

    @rule:MDL-1 @rule:PAGE-3
    Examples: the I/O manager's MDL, lock and IRP for the application's buffer
      | call          | who             |
      | IoAllocateMdl | the I/O manager |
      | IoAllocateIrp | the I/O manager |

  @rule:DEV-3 @seed:002
  Scenario: A device error after part of a transfer ends the read in an error, with no more bytes than the device moved
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the DMA test device refuses a data burst after 300 KiB
    And "app.exe" reads into buffers of these sizes:
      | size            | offset into its page |
      | 1 MiB + 9 bytes | 9                    |
    Then "app.exe"'s latest request ended as the contract allows
    When the DMA test device refuses a data burst in the middle of it
    And "app.exe" writes buffers of these sizes:
      | size    |
      | 512 KiB |
    Then "app.exe"'s latest request ended as the contract allows
    When the DMA test device refuses a data burst at descriptor 2
    And "app.exe" reads into buffers of these sizes:
      | size  |
      | 1 MiB |
    Then "app.exe"'s latest request ended as the contract allows
    When "app.exe" reads into buffers of these sizes:
      | size   |
      | 64 KiB |
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:DEV-3 @rule:PAGE-5 @seed:002
  Scenario: A device surprise-removed part-way through a read: that read and the next fail cleanly
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the DMA test device is surprise-removed after 200 KiB
    And "app.exe" reads into buffers of these sizes:
      | size  |
      | 1 MiB |
    Then "app.exe"'s latest request ended as the contract allows
    When "app.exe" reads into buffers of these sizes:
      | size   |
      | 64 KiB |
    Then "app.exe"'s latest request ended as the contract allows
    When every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:SG-3 @rule:PAGE-5 @seed:001
  Scenario: The mapping's execution routine (of GetScatterGatherList or AllocateAdapterChannel) runs later, from a DPC: reads and writes still complete intact
    Given a machine that runs DMA execution routines later, from a DPC
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" keeps 4 reads of 1 MiB in flight
    And "app.exe" keeps 2 writes of 512 KiB in flight
    And "app.exe" waits for its requests
    And "app.exe" reads into buffers of these sizes:
      | size            | offset into its page |
      | 3 MiB + 5 bytes | 17                   |
    And "app.exe" keeps 3 reads of 2 MiB in flight
    And "app.exe" closes its handle
    Then every mapping the driver under test got has been given back exactly once
    When every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And the workload passes every check

  # On a machine that runs DMA execution routines later, a request whose
  # list the HAL has not delivered yet is still the driver's: a close, a
  # cancel or a removal that comes meanwhile must not complete it (its pages
  # would be unlocked while the HAL maps them) nor free what the list is
  # built over. A driver may end it once the routine has delivered the list
  # (putting that list straight back) or run it to the end.
  @rule:PAGE-1 @rule:PAGE-5 @seed:001
  Scenario Outline: <release> while the execution routines of the requests' lists are still to come
    Given a machine that runs DMA execution routines later, from a DPC
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" keeps 3 reads of 1 MiB in flight
    And "app.exe" keeps 2 writes of 1 byte in flight
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

  @rule:PAGE-5 @rule:PAGE-1 @seed:000
  Scenario: The driver's close comes only after the requests of the handle have finished, cleanup having cancelled or finished them
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" keeps 3 reads of 4 MiB in flight
    And "app.exe" closes its handle
    Then the driver got IRP_MJ_CLOSE for "app.exe"'s handle only after the handle's last request finished
    And every mapping the driver under test got has been given back exactly once
    When every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And the workload passes every check

  @rule:PAGE-5 @rule:PAGE-1 @seed:000
  Scenario: A handle duplicated into another process and closed there last: cleanup runs in that process and ends the owner's requests
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And the application "helper.exe" has opened the device
    When "app.exe" keeps 3 reads of 1 MiB in flight
    And "app.exe" duplicates its handle into "helper.exe"
    And "app.exe" closes its handle
    And "helper.exe" closes its duplicate of "app.exe"'s handle
    Then the driver got IRP_MJ_CLOSE for "app.exe"'s handle only after the handle's last request finished
    And every mapping the driver under test got has been given back exactly once
    When every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And the workload passes every check

  @rule:PAGE-5 @rule:SG-3 @seed:001
  Scenario Outline: A read cancelled <when>, on a machine that delivers DMA execution routines later
    Given a machine that runs DMA execution routines later, from a DPC
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" starts a read of 256 KiB and cancels it after <delay> ns
    And "app.exe" starts a read of 256 KiB and cancels it after <delay> ns
    And "app.exe" waits for its requests
    Then every mapping the driver under test got has been given back exactly once
    And "app.exe" has no pages locked for I/O
    When every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And the workload passes every check

    Examples:
      | when                                       | delay |
      | in dispatch, before it is queued           | 0     |
      | while it waits for its scatter/gather list | 50    |
      | while the device moves it                  | 20000 |

  # A request longer than the adapter's map registers is mapped and run in
  # pieces; the failed call is the one that maps the request's second piece,
  # or its last, whatever piece length the driver chose. A driver may retry
  # the piece (and succeed) or end the request in an error, once the piece
  # on the device has ended, claiming no more than moved.
  @rule:SG-3 @rule:PAGE-5 @seed:001
  Scenario Outline: A request longer than the adapter's map registers whose <call> for its <piece> piece fails ends as the contract allows and leaks nothing
    Given the HAL grants the DMA test device's adapter at most 16 map registers
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the driver under test's <call> call for the <piece> piece of a request fails
    And "app.exe" reads into buffers of these sizes:
      | size              | offset into its page |
      | 256 KiB + 5 bytes | 100                  |
    Then "app.exe"'s latest request ended as the contract allows
    And every mapping the driver under test got has been given back exactly once
    When the driver under test's <call> call for the <piece> piece of a request fails
    And "app.exe" writes buffers of these sizes:
      | size    | offset into its page |
      | 200 KiB | 3000                 |
    Then "app.exe"'s latest request ended as the contract allows
    And every mapping the driver under test got has been given back exactly once
    When allocations stop failing
    And "app.exe" reads into buffers of these sizes:
      | size    | offset into its page |
      | 256 KiB | 7                    |
    And every application exits and the driver under test is unloaded
    Then nothing of the driver is left behind
    And the workload passes every check

    Examples:
      | call                   | piece  |
      | GetScatterGatherList   | second |
      | GetScatterGatherList   | last   |
      | BuildScatterGatherList | second |
      | BuildScatterGatherList | last   |
