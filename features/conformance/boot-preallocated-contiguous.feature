@class:boot-preallocated-contiguous
Feature: boot-preallocated-contiguous - A common-buffer ring over contiguous buffers set aside at boot
  Physically contiguous memory fragments as the machine runs: a contiguous
  DMA buffer that is easy to get right after boot may be impossible to get
  later, with plenty of memory free (CONT-2). So the device's install
  configuration sets contiguous buffers aside at boot, at most 256 per
  direction, with option flags that name the direction and kernel buffer
  allocation (0x21 from the device, 0x41 to it). The first requests whose
  size and flags match get those buffers; other requests get nothing from
  them (CONT-3). A driver of this class keeps a ring of such buffers per
  handle, set up by the application with the class's IOCTL (the bytes and
  count of the buffers and the toolkit's option flags), and moves data
  between the ring and the application's buffers by CPU copy. Each buffer is
  contiguous for the CPU and for the device, which is programmed with the
  device-visible address the buffer came with (CONT-1), and is non-cached
  unless its options allow caching, which makes the copies dearer (CONT-7)
  (seed 002).

  Where the contract allows several ways, each is conforming: a request
  overtaken by a failed allocation, a device error or a removal may end in
  any status docs/driver-contract.md ("How a request must end") lists for
  that event, or succeed if the driver retried and got the data, so such
  scenarios judge the request by that table ("ended as the contract
  allows"), never by one driver's choice of status. At the class's edges a
  conforming driver sets up rings of 1 to 256 buffers (256 included) of
  any size down to a byte that fits its descriptor ring; it refuses a count
  of 0 or above 256, and a ring whose buffers add up to more than 4 GiB,
  with any error status or fails it for want of memory. A ring that does
  not match the preallocation, by size or by having more buffers than were
  set aside, gets run-time common buffers for the rest, and each buffer goes
  back where it came from. A set-up that fails part-way may end in any
  error status, and gives back every buffer it had taken, boot-preallocated
  ones included.
  Status: checked. The suite configures the preallocation, fragments
  memory, drives the driver, and observes which buffers it holds, how the
  device reaches them and what the copies cost.

  @rule:CONT-3 @seed:002 @severity:critical
  Scenario: The first requests whose size and options match get the buffers preallocated at boot
    Given the DMA test device's install configuration preallocates 4 from-device buffers of 64 KiB with options "FROM_DEVICE | KERNEL_BUFFER_ALLOC"
    And the DMA test device's install configuration preallocates 2 to-device buffers of 64 KiB with options "TO_DEVICE | KERNEL_BUFFER_ALLOC"
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And the application "other.exe" has opened the device
    When "app.exe" sets up a ring of 2 buffers of 32 KiB with options "FROM_DEVICE"
    Then no buffer preallocated at boot is in use
    When "other.exe" sets up a ring of 4 buffers of 64 KiB with options "FROM_DEVICE"
    And "other.exe" sets up a ring of 2 buffers of 64 KiB with options "TO_DEVICE"
    Then 6 of the buffers preallocated at boot are in use
    When "other.exe" reads into buffers of these sizes:
      | size            | offset into its page |
      | 1 MiB + 3 bytes | 5                    |
      | 100 bytes       | 4090                 |
    And "other.exe" writes buffers of these sizes:
      | size             | offset into its page |
      | 300 KiB + 1 byte | 17                   |
    And "app.exe" reads into buffers of these sizes:
      | size    |
      | 200 KiB |
    And "other.exe" closes its handle
    Then no buffer preallocated at boot is in use
    When every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And the workload passes every check

  @rule:CONT-2 @rule:CONT-3 @seed:002 @severity:critical
  Scenario: Once memory has fragmented, the preallocated ring still works where run-time allocation fails
    Given a machine with 512 MiB of RAM
    And the DMA test device's install configuration preallocates 4 from-device buffers of 64 KiB with options "FROM_DEVICE | KERNEL_BUFFER_ALLOC"
    And the DMA test device's install configuration preallocates 2 to-device buffers of 64 KiB with options "TO_DEVICE | KERNEL_BUFFER_ALLOC"
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the machine has run long enough to fragment physical memory
    Then a contiguous buffer of 64 KiB can no longer be allocated at run time
    When "app.exe" sets up a ring of 4 buffers of 64 KiB with options "FROM_DEVICE"
    And "app.exe" sets up a ring of 2 buffers of 64 KiB with options "TO_DEVICE"
    Then "app.exe"'s ring was set up
    And 6 of the buffers preallocated at boot are in use
    When "app.exe" reads into buffers of these sizes:
      | size            | offset into its page |
      | 2 MiB + 7 bytes | 333                  |
    And "app.exe" writes buffers of these sizes:
      | size  |
      | 1 MiB |
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And every byte matches the device's stream
    And the workload passes every check

  @rule:CONT-1 @seed:000 @seed:002
  Scenario: Ring buffers are contiguous for the CPU and for the device, also behind an IOMMU
    Given a machine with an IOMMU
    And the DMA test device's install configuration preallocates 4 from-device buffers of 64 KiB with options "FROM_DEVICE | KERNEL_BUFFER_ALLOC"
    And the DMA test device's install configuration preallocates 2 to-device buffers of 64 KiB with options "TO_DEVICE | KERNEL_BUFFER_ALLOC"
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" sets up a ring of 4 buffers of 64 KiB with options "FROM_DEVICE"
    And "app.exe" sets up a ring of 2 buffers of 64 KiB with options "TO_DEVICE"
    Then every buffer preallocated at boot in use is contiguous for the CPU and for the device
    When "app.exe" reads into buffers of these sizes:
      | size              | offset into its page |
      | 512 KiB + 9 bytes | 100                  |
    And "app.exe" writes buffers of these sizes:
      | size    |
      | 256 KiB |
    And every application exits and the driver under test is unloaded
    Then no DMA touched memory the applications do not own
    And every byte matches the device's stream
    And the workload passes every check

  @rule:CONT-7 @seed:002
  Scenario: Ring buffers are non-cached by default, and the CPU copies out of them at the uncached cost
    Given the DMA test device's install configuration preallocates 2 from-device buffers of 64 KiB with options "FROM_DEVICE | KERNEL_BUFFER_ALLOC"
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" sets up a ring of 2 buffers of 64 KiB with options "FROM_DEVICE"
    And "app.exe" reads 1 MiB through its ring
    Then the CPU copied that read out of non-cached memory
    When every application exits and the driver under test is unloaded
    Then the workload passes every check

  @rule:CONT-7 @seed:002
  Scenario: Ring buffers whose options allow caching are cached
    Given the DMA test device's install configuration preallocates 2 from-device buffers of 64 KiB with options "FROM_DEVICE | KERNEL_BUFFER_ALLOC | ALLOW_CACHE"
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" sets up a ring of 2 buffers of 64 KiB with options "FROM_DEVICE | ALLOW_CACHE"
    Then 2 of the buffers preallocated at boot are in use
    When "app.exe" reads 1 MiB through its ring
    Then the CPU copied that read out of cached memory
    When every application exits and the driver under test is unloaded
    Then the workload passes every check

  @seed:002 @seed:003
  Scenario Outline: A request whose <call> by <who> fails once ends as the contract allows, leaks nothing, and the next one works
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the next 1 call to <call> by <who> fails
    And <request>
    Then "app.exe"'s latest request ended as the contract allows
    When allocations stop failing
    And "app.exe" sets up a ring of 2 buffers of 64 KiB with options "FROM_DEVICE"
    And "app.exe" reads into buffers of these sizes:
      | size             | offset into its page |
      | 300 KiB + 1 byte | 7                    |
    And every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And nothing of the driver is left behind
    And the workload passes every check

    @rule:CONT-2 @rule:CONT-3
    Examples: a ring buffer allocated at run time
      | call                 | who                   | request                                                                    |
      | AllocateCommonBuffer | the driver under test | "app.exe" sets up a ring of 2 buffers of 64 KiB with options "FROM_DEVICE" |

    @rule:CONT-4
    Examples: the I/O manager's IRP for the set-up
      | call          | who             | request                                                                    |
      | IoAllocateIrp | the I/O manager | "app.exe" sets up a ring of 2 buffers of 64 KiB with options "FROM_DEVICE" |

  @rule:CONT-4 @seed:002
  Scenario: A read whose system buffer the I/O manager cannot allocate ends in an error, and the next read works
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" sets up a ring of 2 buffers of 64 KiB with options "FROM_DEVICE"
    And the next 1 call to ExAllocatePoolWithTag:NonPagedPool by the I/O manager fails
    And "app.exe" reads into buffers of these sizes:
      | size    |
      | 256 KiB |
    Then "app.exe"'s latest request ended as the contract allows
    When allocations stop failing
    And "app.exe" reads into buffers of these sizes:
      | size    |
      | 256 KiB |
    And every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:PAGE-5 @rule:CONT-3 @seed:002
  Scenario: Closing the handle while the device fills the ring ends every request and gives the ring back
    Given the DMA test device's install configuration preallocates 4 from-device buffers of 64 KiB with options "FROM_DEVICE | KERNEL_BUFFER_ALLOC"
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" sets up a ring of 4 buffers of 64 KiB with options "FROM_DEVICE"
    And "app.exe" keeps 3 reads of 2 MiB in flight
    And "app.exe" closes its handle
    Then no buffer preallocated at boot is in use
    When every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And no DMA touched memory the applications do not own
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:PAGE-5 @rule:CONT-3 @seed:002
  Scenario: The application exits while the device fills its ring
    Given the DMA test device's install configuration preallocates 4 from-device buffers of 64 KiB with options "FROM_DEVICE | KERNEL_BUFFER_ALLOC"
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" sets up a ring of 4 buffers of 64 KiB with options "FROM_DEVICE"
    And "app.exe" keeps 3 reads of 2 MiB in flight
    And the application "app.exe" exits
    Then no buffer preallocated at boot is in use
    When every application exits and the driver under test is unloaded
    Then no DMA touched memory the applications do not own
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:DEV-3 @seed:002
  Scenario: A device error after part of a ring transfer ends the request in an error claiming no more than the device moved, and the next one works
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" sets up a ring of 4 buffers of 64 KiB with options "FROM_DEVICE"
    And "app.exe" sets up a ring of 2 buffers of 64 KiB with options "TO_DEVICE"
    And the DMA test device refuses a data burst after 300 KiB
    And "app.exe" reads into buffers of these sizes:
      | size            | offset into its page |
      | 1 MiB + 3 bytes | 5                    |
    Then "app.exe"'s latest request ended as the contract allows
    When the DMA test device refuses a data burst in the middle of it
    And "app.exe" writes buffers of these sizes:
      | size    |
      | 512 KiB |
    Then "app.exe"'s latest request ended as the contract allows
    When the DMA test device refuses a data burst at descriptor 3
    And "app.exe" reads into buffers of these sizes:
      | size    |
      | 256 KiB |
    Then "app.exe"'s latest request ended as the contract allows
    When "app.exe" reads into buffers of these sizes:
      | size    |
      | 256 KiB |
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:DEV-3 @rule:PAGE-5 @seed:002
  Scenario: A device surprise-removed part-way through a ring transfer: that request and the next fail cleanly
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" sets up a ring of 4 buffers of 64 KiB with options "FROM_DEVICE"
    And the DMA test device is surprise-removed after 100 KiB
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

  @rule:CONT-3 @seed:002
  Scenario: At the class's edges a ring of all 256 preallocated buffers and a ring of one 1-byte buffer work, and 0 or 257 buffers are refused
    Given the DMA test device's install configuration preallocates 256 from-device buffers of 4 KiB with options "FROM_DEVICE | KERNEL_BUFFER_ALLOC"
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And the application "other.exe" has opened the device
    When "other.exe" asks for a ring of 257 buffers of 4 KiB with options "FROM_DEVICE", which the class refuses
    And "other.exe" asks for a ring of 0 buffers of 4 KiB with options "FROM_DEVICE", which the class refuses
    And "app.exe" sets up a ring of 256 buffers of 4 KiB with options "FROM_DEVICE"
    Then "app.exe"'s ring was set up
    And 256 of the buffers preallocated at boot are in use
    When "app.exe" reads into buffers of these sizes:
      | size            | offset into its page |
      | 1 MiB + 3 bytes | 5                    |
    And "other.exe" sets up a ring of 1 buffer of 1 byte with options "TO_DEVICE"
    And "other.exe" writes buffers of these sizes:
      | size    | offset into its page |
      | 7 bytes | 4093                 |
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And every byte matches the device's stream
    And nothing of the driver is left behind
    And the workload passes every check

  # 256 buffers of 16 MiB + 1 page add up to 4 GiB + 1 MiB: a driver that
  # multiplies the count by the size in 32 bits sees 1 MiB.
  @rule:CONT-3 @seed:002
  Scenario: A ring whose buffers add up to more than 4 GiB is refused or fails for want of memory, and leaves nothing taken
    Given the DMA test device's install configuration preallocates 2 from-device buffers of 64 KiB with options "FROM_DEVICE | KERNEL_BUFFER_ALLOC"
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" asks for a ring of 256 buffers of 16 MiB + 1 page with options "FROM_DEVICE", which the class refuses
    Then no buffer preallocated at boot is in use
    When "app.exe" sets up a ring of 2 buffers of 64 KiB with options "FROM_DEVICE"
    Then 2 of the buffers preallocated at boot are in use
    When "app.exe" reads into buffers of these sizes:
      | size    |
      | 200 KiB |
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And every byte matches the device's stream
    And nothing of the driver is left behind
    And the workload passes every check

  # The first two buffers come from the preallocation; the third is a
  # run-time common buffer, and its allocation fails.
  @rule:CONT-3 @seed:002 @seed:003
  Scenario: A ring whose set-up fails part-way, after it took preallocated buffers, gives every one of them back
    Given the DMA test device's install configuration preallocates 2 from-device buffers of 64 KiB with options "FROM_DEVICE | KERNEL_BUFFER_ALLOC"
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When the next 1 call to AllocateCommonBuffer by the driver under test fails
    And "app.exe" sets up a ring of 4 buffers of 64 KiB with options "FROM_DEVICE"
    Then "app.exe"'s latest request ended as the contract allows
    And no buffer preallocated at boot is in use
    When allocations stop failing
    And "app.exe" sets up a ring of 2 buffers of 64 KiB with options "FROM_DEVICE"
    Then 2 of the buffers preallocated at boot are in use
    When "app.exe" reads into buffers of these sizes:
      | size             | offset into its page |
      | 300 KiB + 1 byte | 7                    |
    And every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And nothing of the driver is left behind
    And the workload passes every check

  @rule:CONT-3 @rule:VER-COMMON-BUFFER-DOUBLE-FREE @seed:002
  Scenario: Rings that do not match the preallocation, by count and by size, get run-time buffers for the rest, and each buffer goes back where it came from
    Given the DMA test device's install configuration preallocates 4 from-device buffers of 64 KiB with options "FROM_DEVICE | KERNEL_BUFFER_ALLOC"
    And the DMA test device's install configuration preallocates 2 to-device buffers of 64 KiB with options "TO_DEVICE | KERNEL_BUFFER_ALLOC"
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And the application "other.exe" has opened the device
    When "app.exe" sets up a ring of 6 buffers of 64 KiB with options "FROM_DEVICE"
    And "other.exe" sets up a ring of 3 buffers of 16 KiB with options "TO_DEVICE"
    Then 4 of the buffers preallocated at boot are in use
    When "app.exe" reads into buffers of these sizes:
      | size            | offset into its page |
      | 1 MiB + 3 bytes | 5                    |
    And "other.exe" writes buffers of these sizes:
      | size             | offset into its page |
      | 100 KiB + 1 byte | 17                   |
    And "app.exe" closes its handle
    Then no buffer preallocated at boot is in use
    When "other.exe" closes its handle
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And every byte matches the device's stream
    And nothing of the driver is left behind
    And the workload passes every check
