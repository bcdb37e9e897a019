Feature: SG-6 A device that addresses 32 bits reaches pages above 4 GiB through bounce buffers
  A device that drives only 32 address bits cannot reach a page at or above
  4 GiB. For such a device the HAL gives every map register a bounce page
  below 4 GiB and hands the device the bounce pages in place of the pages it
  cannot reach. Data for the device is copied into them when the transfer is
  mapped; data from the device is copied back to the caller's pages only when
  the driver flushes (FlushAdapterBuffers) or puts the list back
  (PutScatterGatherList). A driver that skips that step loses the data
  (seeds 001 and 003).

  Status: enforced. The HAL bounces and copies; the suite observes where the
  device's bytes are before and after the flush.

  Background:
    Given a machine with 8 GiB of RAM
    And a machine whose DMA test device has 32-bit addressing
    And a process "app.exe" with a committed buffer "A" of 256 KiB
    And the driver "dma32.sys" has locked buffer "A" for write access
    And the driver "dma32.sys" has DMA adapter "X" for the DMA test device
    And the driver "dma32.sys" has enabled bus mastering on the DMA test device

  @rule:SG-6 @seed:001 @severity:critical
  Scenario: The device's data reaches pages above 4 GiB when the list is put back
    Given some page of MDL "A" lies above 4 GiB
    When the driver "dma32.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" from the device
    Then every element of scatter/gather list "L" lies below 4 GiB
    When the DMA test device writes its data through scatter/gather list "L"
    Then the DMA test device reports the transfer done
    And the pages of MDL "A" above 4 GiB do not hold the DMA test device's data yet
    When the driver "dma32.sys" puts scatter/gather list "L" back
    Then buffer "A" holds the DMA test device's data

  @rule:SG-6 @seed:003 @severity:critical
  Scenario: On the old path the data arrives at FlushAdapterBuffers, and not before
    Given some page of MDL "A" lies above 4 GiB
    When the driver "dma32.sys" maps MDL "A" with MapTransfer on adapter "X" from the device
    And the DMA test device writes its data through the MapTransfer elements of MDL "A"
    Then the DMA test device reports the transfer done
    And the pages of MDL "A" above 4 GiB do not hold the DMA test device's data yet
    When the driver "dma32.sys" flushes the adapter buffers of MDL "A"
    Then buffer "A" holds the DMA test device's data
    When the driver "dma32.sys" frees the channel of adapter "X"
    Then no bug check occurred

  @rule:SG-6 @seed:001
  Scenario: Toward the device the bounce pages hold the data as soon as the list is handed out
    Given the process writes the DMA test device's expected data into buffer "A"
    When the driver "dma32.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" to the device
    Then every element of scatter/gather list "L" lies below 4 GiB
    When the DMA test device reads through scatter/gather list "L"
    Then the DMA test device reports the transfer done
    And the DMA test device found every byte it read as expected
