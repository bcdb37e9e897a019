@class:peer-to-peer-dma
Feature: peer-to-peer-dma - The device moves data straight into another device's memory, never through RAM
  Seed 000's "exotic case": the application holds an address that is really
  memory on another controller, got from that controller's driver, and
  passes it to the driver of the device that is to move the data; the
  transfer then crosses the bus from device to device and bypasses host
  memory. Seed 002 gives the two halves: a card's driver hands out the
  addresses of the card's memory ranges, and a GPU's memory, allocated by
  the GPU's own allocator, is a target another device can master DMA into.
  Here the peer is the GPU's memory BAR and the mover is the DMA test
  device (DEV-6). The device must be programmed with device-visible
  addresses (DEV-1): behind an IOMMU, the BAR's bus address as the CPU sees
  it reaches nothing the IOMMU maps for the device.

  A driver of this class serves the interface of
  src/conformance/peer-to-peer-dma/interface.ts. Each scenario checks the
  workload: no bug check, no verifier finding, the GPU's memory holds the
  device's stream where the device wrote it and the device read its stream
  where the application put it, every request completed as the rules
  require, every byte the driver reported crossed the bus device to device,
  and nothing left behind once the driver is unloaded.

  Where the contract allows several ways, a conforming driver may choose:
  it may learn the other devices' memory ranges when it starts or at each
  request, from configuration space or from the resources it is told of;
  it may fail a range that is not wholly inside another device's memory
  range with any error status, as long as the device moves nothing for it;
  it may get the device addresses from a scatter/gather list or from map
  registers (MapTransfer), keep the peer's mapping for the handle or make
  one per request, and cut a transfer into pieces of any size the device
  and its adapter allow; at cleanup it may abort the handle's transfer or
  wait for it to end, as long as the device has stopped before the request
  completes and the mapping goes. A request overtaken by a failed
  allocation or a device error may end in any status the contract's
  completion table allows for that event, or succeed if the driver retried
  ("ended as the contract allows"). At the class's edges a conforming
  driver moves every length from 1 byte to P2P_TRANSFER_MAXIMUM (16 MiB)
  that lies inside a BAR, down to the BAR window's last byte; it may accept
  longer transfers inside a BAR or refuse them, and it refuses a range whose
  end, summed in 32 or in 64 bits, wraps back into the BAR.

  Status: checked; enforced behind an IOMMU (the verifier's IOMMU check).

  @rule:DEV-6 @seed:000 @seed:002 @severity:critical
  Scenario: The device writes the application's GPU memory and reads it back, device to device
    Given a machine with the GPU the peer-to-peer class needs
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" gets 1 MiB of GPU memory from the GPU's allocator
    And "app.exe" has the device write its whole GPU memory
    And "app.exe" has the device write 100 KiB into its GPU memory, 4 KiB + 1 byte into it
    And "app.exe" has the device read 64 KiB of its GPU memory, 500 KiB into it
    And memory pressure is severe
    And "app.exe" has the device read 1 MiB of its GPU memory, 0 bytes into it
    And every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And every byte the driver reported went from device to device
    And the workload passes every check

  @rule:VER-IOMMU-FAULT @rule:DEV-6 @seed:002 @severity:critical
  Scenario: Behind an IOMMU the device reaches the GPU memory through the device address its adapter gives for it
    Given a machine with an IOMMU
    And a machine with the GPU the peer-to-peer class needs
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" gets 1 MiB of GPU memory from the GPU's allocator
    And "app.exe" has the device write its whole GPU memory
    And "app.exe" has the device read 256 KiB of its GPU memory, 7 bytes into it
    And every application exits and the driver under test is unloaded
    Then the DMA verifier and the I/O manager found nothing wrong
    And every byte matches the device's stream
    And every byte the driver reported went from device to device
    And the workload passes every check

  @rule:DEV-6 @rule:VER-DMA-OUTSIDE-BUFFER @seed:000 @severity:critical
  Scenario: Ranges that are not another device's memory get an error status, and the device moves nothing for them
    Given a machine with the GPU the peer-to-peer class needs
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" gets 256 KiB of GPU memory from the GPU's allocator
    And "app.exe" asks for a transfer of 64 KiB outside every memory BAR
    And "app.exe" asks for a transfer of 64 KiB running past the end of the GPU's memory BAR
    And "app.exe" asks for a transfer of 64 KiB whose end wraps past the top of the address space
    And "app.exe" asks for a transfer of 64 KiB into host RAM passed as a BAR
    And "app.exe" has the device write its whole GPU memory
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And every byte matches the device's stream
    And the workload passes every check

  @rule:DEV-6 @seed:000 @seed:002
  Scenario: At the class's edges the longest transfer and a 1-byte transfer at the window's last byte move device to device, and a length that wraps 32 bits is refused
    Given a machine with the GPU the peer-to-peer class needs
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" gets 16 MiB of GPU memory from the GPU's allocator
    And "app.exe" has the device write its whole GPU memory
    Then "app.exe"'s latest request ended as the contract allows
    When "app.exe" has the device read 16 MiB of its GPU memory, 0 bytes into it
    And "app.exe" has the device write 1 byte into its GPU memory, 16 MiB - 1 byte into it
    And "app.exe" has the device read 1 byte of its GPU memory, 0 bytes into it
    And "app.exe" asks for a transfer of 4 GiB - 1 page from a page into its GPU memory, whose end wraps past 4 GiB in 32 bits
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And every byte matches the device's stream
    And every byte the driver reported went from device to device
    And the workload passes every check

  @rule:VER-DMA-OUTSIDE-BUFFER @rule:VER-IOMMU-FAULT @seed:000
  Scenario: Behind an IOMMU too, a range running past the end of the GPU's memory gets an error status
    Given a machine with an IOMMU
    And a machine with the GPU the peer-to-peer class needs
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" gets 64 KiB of GPU memory from the GPU's allocator
    And "app.exe" asks for a transfer of 4 KiB running past the end of the GPU's memory BAR
    And "app.exe" has the device write its whole GPU memory
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And the workload passes every check

  @rule:DEV-6 @seed:000
  Scenario: Two applications each have the device write their own GPU memory
    Given a machine with the GPU the peer-to-peer class needs
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    And the application "viewer.exe" has opened the device
    When "app.exe" gets 256 KiB of GPU memory from the GPU's allocator
    And "viewer.exe" gets 512 KiB of GPU memory from the GPU's allocator
    And "viewer.exe" has the device write its whole GPU memory
    And "app.exe" has the device write its whole GPU memory
    And "viewer.exe" has the device read 128 KiB of its GPU memory, 7 bytes into it
    And "viewer.exe" closes its handle
    And "app.exe" has the device write 3 bytes into its GPU memory, 4095 bytes into it
    And every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And every byte the driver reported went from device to device
    And the workload passes every check

  @rule:DEV-2 @rule:DEV-6 @seed:002
  Scenario: A device that moves 4 KiB per descriptor and addresses 32 bits reaches the GPU memory below 4 GiB, piece by piece
    Given the DMA test device can address only 32 bits
    And the DMA test device moves at most 4 KiB per descriptor
    And a machine with the GPU the peer-to-peer class needs
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" gets 4 MiB of GPU memory from the GPU's allocator
    And "app.exe" has the device write its whole GPU memory
    And "app.exe" has the device read 3 MiB of its GPU memory, 1 KiB into it
    And every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And every byte the driver reported went from device to device
    And the workload passes every check

  @rule:MDL-3 @rule:SG-3 @seed:000
  Scenario: Closing the handle while the device writes the GPU memory stops the transfer, and nothing of it is left behind
    Given a machine with the GPU the peer-to-peer class needs
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" gets 8 MiB of GPU memory from the GPU's allocator
    And "app.exe" starts the device writing its whole GPU memory
    And "app.exe" closes its handle
    Then every mapping the driver under test got has been given back exactly once
    When every application exits and the driver under test is unloaded
    Then nothing of the driver is left behind
    And the workload passes every check

  @rule:MDL-3 @seed:000
  Scenario: Transfers cancelled while they wait for the device give back their mapping of the GPU memory
    Given a machine with the GPU the peer-to-peer class needs
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" gets 8 MiB of GPU memory from the GPU's allocator
    And "app.exe" starts the device writing its whole GPU memory
    And "app.exe" starts the device writing its whole GPU memory
    And "app.exe" starts the device writing its whole GPU memory
    And "app.exe" cancels its requests
    And "app.exe" waits for its requests
    And every application exits and the driver under test is unloaded
    Then nothing of the driver is left behind
    And every request completed with the status and length the rules require
    And the workload passes every check

  @rule:SG-3 @rule:MDL-3 @seed:000
  Scenario: The application exits while the device writes its GPU memory, with the execution routines run later, from a DPC
    Given a machine that runs DMA execution routines later, from a DPC
    And a machine with the GPU the peer-to-peer class needs
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" gets 2 MiB of GPU memory from the GPU's allocator
    And "app.exe" has the device write its whole GPU memory
    And "app.exe" starts the device writing its whole GPU memory
    And the application "app.exe" exits
    Then every mapping the driver under test got has been given back exactly once
    When every application exits and the driver under test is unloaded
    Then nothing of the driver is left behind
    And the workload passes every check

  @seed:000 @seed:003
  Scenario Outline: A transfer whose <call> fails once ends as the contract allows, leaves nothing mapped, and the next one works
    Given a machine with the GPU the peer-to-peer class needs
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" gets 256 KiB of GPU memory from the GPU's allocator
    And the next 1 call to <call> by the driver under test fails
    And "app.exe" has the device write its whole GPU memory
    Then "app.exe"'s latest request ended as the contract allows
    When allocations stop failing
    And "app.exe" has the device write its whole GPU memory
    And every application exits and the driver under test is unloaded
    Then every byte matches the device's stream
    And nothing of the driver is left behind
    And the workload passes every check

    @rule:MDL-1
    Examples: the MDL over the GPU memory
      | call          |
      | IoAllocateMdl |

    @rule:SG-3
    Examples: the scatter/gather list
      | call                 |
      | GetScatterGatherList |

  @rule:DEV-3 @seed:002
  Scenario: A device error part-way through a transfer ends it in an error, and the next transfer works
    Given a machine with the GPU the peer-to-peer class needs
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" gets 2 MiB of GPU memory from the GPU's allocator
    And the DMA test device refuses a data burst after 600 KiB
    And "app.exe" has the device write its whole GPU memory
    Then "app.exe"'s latest request ended as the contract allows
    When "app.exe" has the device write 64 KiB into its GPU memory, 0 bytes into it
    And every application exits and the driver under test is unloaded
    Then every request completed with the status and length the rules require
    And nothing of the driver is left behind
    And the workload passes every check

  # A range longer than the adapter's map registers is mapped and moved in
  # pieces; the failed call is the one that maps the transfer's second
  # piece, or its last, whatever piece length the driver chose. A driver may
  # retry the piece or end the transfer in an error once the piece on the
  # device has ended; either way nothing of the mapping is left.
  @rule:SG-3 @seed:001
  Scenario Outline: A transfer longer than the adapter's map registers whose <call> for its <piece> piece fails ends as the contract allows, and nothing is left mapped
    Given a machine with the GPU the peer-to-peer class needs
    And the HAL grants the DMA test device's adapter at most 16 map registers
    And the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" gets 256 KiB of GPU memory from the GPU's allocator
    And the driver under test's <call> call for the <piece> piece of a request fails
    And "app.exe" has the device write its whole GPU memory
    Then "app.exe"'s latest request ended as the contract allows
    When the driver under test's <call> call for the <piece> piece of a request fails
    And "app.exe" has the device read 200 KiB of its GPU memory, 4 KiB into it
    Then "app.exe"'s latest request ended as the contract allows
    When allocations stop failing
    And "app.exe" has the device write its whole GPU memory
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
