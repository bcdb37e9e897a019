@class:mapped-buffer-ioctl
Feature: mapped-buffer-ioctl - A driver-allocated buffer mapped into the application that asked for it
  Seed 000's third answer: the driver allocates the memory itself, from
  memory that is never paged, and maps it into the application's address
  space by an IOCTL that returns the address; the device then moves data in
  and out of it while the application reads and writes it in place. The
  mapping goes into the process whose context the mapping call runs in
  (CONT-6), so it must be made in the requesting process and undone there
  at cleanup. An MDL built for non-paged memory is valid only over
  non-paged memory (PAGE-7), and a partial MDL must go before the MDL it
  was built from (MDL-2).

  A driver of this class serves the interface of
  src/conformance/mapped-buffer-ioctl/interface.ts. Each scenario then checks the
  workload: no bug check, no verifier finding, the device's bytes seen
  through the mapping match its stream, every request completed as the
  rules require, no DMA outside the applications' and the kernel's memory,
  and nothing left behind once the driver is unloaded; the mapping itself
  must be gone as soon as its process has closed its handle.

  Where the contract allows several ways, each is conforming: a request
  overtaken by a failed allocation, a device error or a removal may end in
  any status docs/driver-contract.md ("How a request must end") lists for
  that event, or succeed if the driver retried and got the data, so such
  scenarios judge the request by that table ("ended as the contract
  allows"), never by one driver's choice of status. At the class's edges a
  conforming driver maps every size from 1 byte to MAPPED_BUFFER_MAXIMUM
  (8 MiB) and moves any range inside the buffer, down to its first and its
  last byte; it refuses a size of 0 or above the maximum and a range that
  leaves the buffer, by a byte or by an offset whose sum with the length
  overflows 32 bits, with any error status, and the device moves nothing
  for it.
  Status: checked.

  @rule:CONT-6 @rule:PAGE-1 @seed:000 @severity:critical
  Scenario: The buffer is mapped into the process that asked for it, and the device fills and reads it there
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" maps a buffer of 1 MiB from the driver
    And "app.exe" has the device fill its whole mapped buffer
    And "app.exe" has the device fill 100 KiB of its mapped buffer, 4 KiB + 1 byte into it
    And "app.exe" has the device read 64 KiB of its mapped buffer, 500 KiB into it
    And memory pressure is severe
    And "app.exe" has the device fill its whole mapped buffer
    And "app.exe" closes its handle
    And every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And the workload passes every check

  @rule:CONT-6 @seed:000
  Scenario: Two applications each get a buffer of their own, mapped into their own address space
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And the application "viewer.exe" has opened the device
    And "viewer.exe" has a buffer "settings" of 64 KiB
    When "app.exe" maps a buffer of 256 KiB from the driver
    And "viewer.exe" maps a buffer of 512 KiB from the driver
    And "viewer.exe" has the device fill its whole mapped buffer
    And "app.exe" has the device fill its whole mapped buffer
    And "viewer.exe" has the device read 128 KiB of its mapped buffer, 7 bytes into it
    And "viewer.exe" closes its handle
    And "app.exe" has the device fill 3 bytes of its mapped buffer, 4095 bytes into it
    And "app.exe" closes its handle
    And every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And the workload passes every check

  @rule:MDL-2 @rule:PAGE-5 @seed:003 @severity:critical
  Scenario: Closing the handle unmaps the buffer and frees it, the partial MDL before its source
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" maps a buffer of 2 MiB from the driver
    And "app.exe" has the device fill 1 MiB of its mapped buffer, 12 KiB into it
    And "app.exe" has the device read 8 KiB of its mapped buffer, 0 bytes into it
    And "app.exe" closes its handle
    Then "app.exe" has no pages locked for I/O
    When every application exits and the driver under test is unloaded
    Then nothing of the driver is left behind
    And the workload passes every check

  @rule:PAGE-7 @rule:PAGE-1 @seed:002 @seed:003
  Scenario: The buffer stays where the device writes it through severe memory pressure
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" maps a buffer of 8 MiB from the driver
    And memory pressure is severe
    And "app.exe" has the device fill its whole mapped buffer
    And memory pressure is severe
    And "app.exe" has the device read 8 MiB of its mapped buffer, 0 bytes into it
    And every application exits and the driver under test is unloaded
    Then no DMA touched memory the applications do not own
    And the workload passes every check

  @rule:PAGE-3 @seed:000
  Scenario: Requests the interface does not allow get an error status and change nothing
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" asks for a mapped buffer with a 8-byte output buffer
    And "app.exe" asks for a mapped buffer larger than the class allows
    And "app.exe" maps a buffer of 64 KiB from the driver
    And "app.exe" asks for a second mapped buffer
    And "app.exe" asks the device to fill past the end of its mapped buffer
    And "app.exe" has the device fill its whole mapped buffer
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And the workload passes every check

  @rule:CONT-6 @rule:DEV-2 @seed:000
  Scenario: At the class's edges the largest buffer is mapped, its first and last byte are reached, and a byte beyond either limit is refused
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" asks for a mapped buffer of 0 bytes
    And "app.exe" asks for a mapped buffer 1 byte larger than the class allows
    And "app.exe" maps a buffer of 8 MiB from the driver
    Then "app.exe"'s latest request ended as the contract allows
    When "app.exe" has the device fill 1 byte of its mapped buffer, 0 bytes into it
    And "app.exe" has the device fill 1 byte of its mapped buffer, 8 MiB - 1 byte into it
    And "app.exe" asks the device to fill 4 KiB of its mapped buffer, running 1 byte past its end
    And "app.exe" has the device read 8 MiB of its mapped buffer, 0 bytes into it
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And every byte matches the device's stream
    And the workload passes every check

  @rule:DEV-2 @rule:MDL-2 @seed:000
  Scenario: A hostile transfer whose offset plus length wraps past 4 GiB is refused, and the device moves nothing for it
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" maps a buffer of 1 MiB from the driver
    And "app.exe" asks the device to fill 64 KiB of its mapped buffer at an offset whose end wraps past 4 GiB
    And "app.exe" asks the device to fill 2 bytes of its mapped buffer at an offset whose end wraps past 4 GiB
    And "app.exe" has the device fill its whole mapped buffer
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And no DMA touched memory the applications do not own
    And every byte matches the device's stream
    And the workload passes every check

  @rule:PAGE-5 @rule:CONT-6 @seed:000
  Scenario: The application exits while the device is filling its mapped buffer
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" maps a buffer of 8 MiB from the driver
    And "app.exe" starts the device filling its whole mapped buffer
    And the application "app.exe" exits
    And every application exits and the driver under test is unloaded
    Then nothing of the driver is left behind
    And the workload passes every check

  @rule:CONT-6 @seed:000
  Scenario: A second map request on the handle is refused, and the first mapping stays the one in use
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" maps a buffer of 64 KiB from the driver
    And "app.exe" asks for a second mapped buffer
    And "app.exe" has the device fill its whole mapped buffer
    And "app.exe" closes its handle
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And the workload passes every check

  @rule:PAGE-1 @rule:CONT-6 @seed:000
  Scenario: Closing the handle while the device fills the mapped buffer stops the device before the buffer goes
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" maps a buffer of 8 MiB from the driver
    And "app.exe" starts the device filling its whole mapped buffer
    And "app.exe" closes its handle
    And every application exits and the driver under test is unloaded
    Then no DMA touched memory the applications do not own
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:DEV-2 @rule:SG-6 @seed:001
  Scenario: A device that addresses only 32 bits fills a buffer larger than its bounce buffers, piece by piece
    Given the DMA test device can address only 32 bits
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" maps a buffer of 4 MiB from the driver
    And "app.exe" has the device fill its whole mapped buffer
    And "app.exe" has the device read 3 MiB of its mapped buffer, 1 KiB into it
    And every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And the workload passes every check

  @seed:000 @seed:003
  Scenario Outline: A map request whose <call> fails once ends as the contract allows, leaves nothing allocated or mapped, and the next one works
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the next 1 call to <call> by the driver under test fails
    And "app.exe" maps a buffer of 256 KiB from the driver
    Then "app.exe"'s latest request ended as the contract allows
    When allocations stop failing
    And "app.exe" maps a buffer of 256 KiB from the driver
    And "app.exe" has the device fill its whole mapped buffer
    And every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And nothing of the driver is left behind
    And the workload passes every check

    @rule:CONT-4
    Examples: the buffer from non-paged pool
      | call                               |
      | ExAllocatePoolWithTag:NonPagedPool |

    @rule:MDL-1
    Examples: the buffer's MDLs
      | call          |
      | IoAllocateMdl |

    @rule:MDL-3 @rule:CONT-6
    Examples: the mapping into the application
      | call                         |
      | MmMapLockedPagesSpecifyCache |

  # The buffer's first MDL is had, the second (the partial MDL the driver
  # rebuilds per transfer) is not: the map request fails part-way.
  @rule:MDL-1 @rule:CONT-4 @seed:000 @seed:003
  Scenario: A map request whose second MDL cannot be had fails part-way, leaves nothing allocated or mapped, and the next one works
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the driver under test's call 2 from now to IoAllocateMdl fails
    And "app.exe" maps a buffer of 256 KiB from the driver
    Then "app.exe"'s latest request ended as the contract allows
    When allocations stop failing
    And "app.exe" maps a buffer of 256 KiB from the driver
    And "app.exe" has the device fill its whole mapped buffer
    And every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:SG-3 @rule:MDL-2 @seed:000 @seed:001
  Scenario: A fill whose scatter/gather list cannot be had fails with an error status, and the next fill works
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" maps a buffer of 1 MiB from the driver
    And the next 1 call to GetScatterGatherList by the driver under test fails
    And "app.exe" has the device fill its whole mapped buffer
    Then "app.exe"'s latest request ended as the contract allows
    When allocations stop failing
    And "app.exe" has the device fill 100 KiB of its mapped buffer, 3 bytes into it
    And every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:DEV-3 @seed:000 @seed:002
  Scenario: A device error after part of a fill ends it in an error claiming no more than the device moved, and the next fill works
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" maps a buffer of 2 MiB from the driver
    And the DMA test device refuses a data burst after 600 KiB
    And "app.exe" has the device fill its whole mapped buffer
    Then "app.exe"'s latest request ended as the contract allows
    When the DMA test device refuses a data burst in the middle of it
    And "app.exe" has the device read 512 KiB of its mapped buffer, 4 KiB into it
    Then "app.exe"'s latest request ended as the contract allows
    When the DMA test device refuses a data burst at descriptor 2
    And "app.exe" has the device fill its whole mapped buffer
    Then "app.exe"'s latest request ended as the contract allows
    When "app.exe" has the device fill 64 KiB of its mapped buffer, 0 bytes into it
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:DEV-3 @rule:CONT-6 @seed:000 @seed:002
  Scenario: A device surprise-removed part-way through a fill: that fill and the next fail cleanly, and the mapping goes at close
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" maps a buffer of 2 MiB from the driver
    And the DMA test device is surprise-removed after 300 KiB
    And "app.exe" has the device fill its whole mapped buffer
    Then "app.exe"'s latest request ended as the contract allows
    When "app.exe" has the device fill 64 KiB of its mapped buffer, 0 bytes into it
    Then "app.exe"'s latest request ended as the contract allows
    When "app.exe" closes its handle
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:CONT-6 @rule:SG-3 @seed:000
  Scenario: The scatter/gather list's execution routine runs later, from a DPC: the device still fills and reads the mapped buffer
    Given a machine that runs DMA execution routines later, from a DPC
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" maps a buffer of 2 MiB from the driver
    And "app.exe" has the device fill its whole mapped buffer
    And "app.exe" has the device read 1 MiB of its mapped buffer, 5 bytes into it
    And "app.exe" starts the device filling its whole mapped buffer
    And "app.exe" closes its handle
    Then every mapping the driver under test got has been given back exactly once
    When every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:CONT-6 @rule:PAGE-5 @seed:000
  Scenario: A handle duplicated into another process and closed there last: the mapping still leaves the process it was made for
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And the application "helper.exe" has opened the device
    When "app.exe" maps a buffer of 256 KiB from the driver
    And "app.exe" has the device fill its whole mapped buffer
    And "app.exe" duplicates its handle into "helper.exe"
    And "app.exe" closes its handle
    And "helper.exe" closes its duplicate of "app.exe"'s handle
    And every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And the workload passes every check

  @rule:CONT-6 @rule:PAGE-5 @seed:000
  Scenario: The process a buffer was mapped for exits while another process holds a duplicate of its handle
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And the application "helper.exe" has opened the device
    When "app.exe" maps a buffer of 256 KiB from the driver
    And "app.exe" duplicates its handle into "helper.exe"
    And the application "app.exe" exits
    And "helper.exe" closes its duplicate of "app.exe"'s handle
    And every application exits and the driver under test is unloaded
    Then the workload passes every check

  # A buffer longer than the adapter's map registers is mapped and moved in
  # pieces; the failed call is the one that maps the transfer's second
  # piece, or its last (of the whole buffer, which a driver may map a piece
  # at a time through a partial MDL), whatever piece length it chose. A
  # driver may retry the piece or end the transfer in an error once the
  # piece on the device has ended; either way nothing is left.
  @rule:SG-3 @rule:MDL-2 @seed:001
  Scenario Outline: A fill longer than the adapter's map registers whose <call> for its <piece> piece fails ends as the contract allows, and the next fill works
    Given the HAL grants the DMA test device's adapter at most 16 map registers
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" maps a buffer of 256 KiB from the driver
    And the driver under test's <call> call for the <piece> piece of a request fails
    And "app.exe" has the device fill its whole mapped buffer
    Then "app.exe"'s latest request ended as the contract allows
    When the driver under test's <call> call for the <piece> piece of a request fails
    And "app.exe" has the device read 256 KiB of its mapped buffer, 0 bytes into it
    Then "app.exe"'s latest request ended as the contract allows
    When allocations stop failing
    And "app.exe" has the device fill 100 KiB of its mapped buffer, 3 bytes into it
    And every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And nothing of the driver is left behind
    And the workload passes every check

    Examples:
      | call                   | piece  |
      | GetScatterGatherList   | second |
      | GetScatterGatherList   | last   |
      | BuildScatterGatherList | second |
      | BuildScatterGatherList | last   |
