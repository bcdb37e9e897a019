Feature: What the simulated machine does that drivers must expect
  A driver is judged against a machine that behaves as Windows and a real
  device do, including where that is inconvenient: the HAL may call a DMA
  execution routine only after the call that asked for it has returned; a
  device fault armed to strike after some bytes strikes that many bytes
  later; a device that was surprise-removed is gone and does nothing a
  register write asks; IoCancelIrp marks an IRP cancelled even when no
  cancel routine is set, so a driver that checks Irp->Cancel before queueing
  sees it; and an IRP completed twice stops the machine even while its first
  completion has not finished. A program error the kernel itself raises
  while driver code runs is a failure of the simulator, not a verdict on the
  driver.

  Status: enforced. Each of these is a detection the suite proves
  (scripts/detection-proof.cjs): switched off, the scenario here fails.

  Background:
    Given a machine with 8 GiB of RAM

  @rule:SG-2 @seed:001
  Scenario: On a machine that defers DMA callbacks, the execution routine runs after AllocateAdapterChannel returns
    Given a machine that runs DMA execution routines later, from a DPC
    And the driver "late.sys" has DMA adapter "X" for the DMA test device
    When the driver "late.sys" requests the channel of adapter "X" for device "disk0" with 1 map register, returning DeallocateObject
    Then the execution routine for device "disk0" has not run
    When the machine runs until nothing is left to do
    Then the execution routine for device "disk0" has run at DISPATCH_LEVEL

  @rule:DEV-3 @seed:002
  Scenario: A fault armed after some bytes counts them from when it was armed
    Given a process "app.exe" with a committed buffer "A" of 16 pages
    And the driver "dev.sys" has locked buffer "A" for write access
    And the driver "dev.sys" has DMA adapter "X" for the DMA test device
    And the driver "dev.sys" has enabled bus mastering on the DMA test device
    And the driver "dev.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" from the device
    When the DMA test device writes its data through scatter/gather list "L"
    Then the DMA test device reports the transfer done
    When the DMA test device is armed to refuse a data burst after 16 KiB
    And the DMA test device writes its data through scatter/gather list "L"
    Then the DMA test device reports error MasterAbort
    And the DMA test device's transfer log names MasterAbort at descriptor 4, after 16 KiB moved

  @rule:DEV-3 @seed:002
  Scenario: A surprise-removed device does nothing a register write asks
    Given a process "app.exe" with a committed buffer "A" of 4 pages
    And the driver "dev.sys" has locked buffer "A" for write access
    And the driver "dev.sys" has DMA adapter "X" for the DMA test device
    And the driver "dev.sys" has enabled bus mastering on the DMA test device
    And the driver "dev.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" from the device
    When the DMA test device is surprise-removed from the machine
    And the DMA test device writes its data through scatter/gather list "L"
    And the machine runs until nothing is left to do
    Then buffer "A" does not hold the DMA test device's data

  @rule:PAGE-1 @seed:002
  Scenario: The device checks the bytes it reads for a write against what the application should have written
    Given a process "app.exe" with a committed buffer "A" of 2 pages
    And the process writes the DMA test device's expected data into buffer "A"
    And a process "app.exe" with a committed buffer "B" of 2 pages
    And the driver "dev.sys" has locked buffer "A" for read access
    And the driver "dev.sys" has locked buffer "B" for read access
    And the driver "dev.sys" has DMA adapter "X" for the DMA test device
    And the driver "dev.sys" has enabled bus mastering on the DMA test device
    When the driver "dev.sys" gets scatter/gather list "LA" on adapter "X" for MDL "A" to the device
    And the DMA test device reads through scatter/gather list "LA"
    Then the DMA test device found every byte it read as expected
    When the driver "dev.sys" gets scatter/gather list "LB" on adapter "X" for MDL "B" to the device
    And the DMA test device reads through scatter/gather list "LB"
    Then the DMA test device found bytes it read not as expected

  @rule:PAGE-5 @seed:003
  Scenario: IoCancelIrp marks an IRP without a cancel routine cancelled
    Given the driver "keeper.sys" is started, whose read routine keeps each read pending without a cancel routine
    When "app.exe" reads 4 KiB through the driver "keeper.sys"
    And "app.exe" cancels its reads through the driver "keeper.sys"
    Then every read the driver "keeper.sys" keeps is marked cancelled

  @rule:PAGE-5 @seed:003
  Scenario: An IRP completed with its cancel routine still set is a finding of the I/O manager
    Given the driver "careless.sys" is started, whose read routine completes each read with its cancel routine still set
    When "app.exe" reads 4 KiB through the driver "careless.sys"
    Then the I/O manager found completed-with-cancel-routine against the driver "careless.sys"

  @rule:MDL-4 @seed:003
  Scenario: An IRP completed twice before its completion finished stops the machine
    Given the driver "twice.sys" is started, whose read routine completes each read twice
    When "app.exe" reads 4 KiB through the driver "twice.sys"
    Then the machine stops with bug check 0x44 MULTIPLE_IRP_COMPLETE_REQUESTS

  Scenario: A program error of the kernel while a driver runs is the simulator's failure, not the driver's
    Given the driver "odd.sys" is started, whose read routine asks IoAllocateIrp for a stack of no locations
    When "app.exe" reads 4 KiB through the driver "odd.sys"
    Then the machine stops with bug check 0x1E KMODE_EXCEPTION_NOT_HANDLED
    And the stop is filed as a failure of the simulator, not as a verdict on the driver
