Feature: DEV-2 A DMA transaction is made of transfers no longer than the device's maximum
  One application request is one DMA transaction; a device moves at most
  its maximum transfer length in one transfer, so a longer transaction is
  split into several transfers. The user DMA library plans the transfers and
  says after each that more processing is required, until the last one
  completes the transaction. A transfer longer than the device's maximum is
  refused by the device (seed 002).

  Status: enforced. The library plans the transfers; the device refuses a
  transfer longer than its maximum with BadLength.

  Background:
    Given a machine with 8 GiB of RAM
    And a machine whose DMA test device moves at most 64 KiB per transfer
    And the driver "user-dma-library" has enabled bus mastering on the DMA test device

  @rule:DEV-2 @seed:002 @severity:critical
  Scenario: A transaction of 1 MiB and 100 bytes is 17 transfers, and the data arrives
    Given a process "app.exe" with a committed buffer "A" of 1 MiB + 100 bytes
    And "app.exe" has opened the DMA test device with the user DMA library
    When "app.exe" starts a scatter/gather DMA transaction "T" over buffer "A" with options "FROM_DEVICE"
    Then the library returns SUCCESS
    And transaction "T" has 17 transfers, none longer than 64 KiB
    When the DMA test device runs every transfer of transaction "T"
    Then transaction "T" reported more processing required 16 times and then success
    And buffer "A" holds the DMA test device's data

  @rule:DEV-2 @seed:002
  Scenario: A transaction no longer than the maximum is one transfer
    Given a process "app.exe" with a committed buffer "A" of 64 KiB
    And "app.exe" has opened the DMA test device with the user DMA library
    When "app.exe" starts a scatter/gather DMA transaction "T" over buffer "A" with options "FROM_DEVICE"
    Then transaction "T" has 1 transfer, none longer than 64 KiB
    When the DMA test device runs every transfer of transaction "T"
    Then transaction "T" reported more processing required 0 times and then success

  @rule:DEV-2 @seed:002
  Scenario: A descriptor of length 0 stops the device, and its log names the error and the descriptor
    Given the driver "zero.sys" has DMA adapter "X" for the DMA test device
    And the driver "zero.sys" has allocated common buffer "C" of 5 pages on adapter "X"
    When the DMA test device is given one descriptor per page of common buffer "C", with a descriptor of length 0 as descriptor 3
    Then the DMA test device reports error BadLength
    And the DMA test device's transfer log names BadLength at descriptor 3, after 3 pages moved

  @rule:DEV-2 @seed:002
  Scenario: The device refuses one transfer longer than its maximum
    Given the driver "big.sys" has DMA adapter "X" for the DMA test device
    And the driver "big.sys" has allocated common buffer "C" of 128 KiB on adapter "X"
    When the DMA test device is given one transfer of 128 KiB into common buffer "C"
    Then the DMA test device reports error BadLength
