Feature: DEV-1 A device masters the bus only when enabled, and only with device-visible addresses
  A PCI device can read or write memory on its own only while the
  bus-master bit of its command register is set; until the driver sets it,
  every request the device makes is refused with a master abort: the DMA
  test device then stops at its first request, reporting DescriptorFault
  when that was a descriptor fetch and MasterAbort when it was data. And the device
  must be programmed with the addresses the HAL gave for it (the elements of
  a scatter/gather list, a common buffer's logical address), a length and a
  start command: behind an IOMMU a physical address is not one the device
  may use (seeds 000 and 002).

  Status: enforced. The bus refuses the requests and the device reports the
  error; the DMA verifier reports DMA with bus mastering off
  (VER-BUS-MASTER-OFF) and DMA the IOMMU blocked (VER-IOMMU-FAULT).

  Background:
    Given a machine with 8 GiB of RAM

  @rule:DEV-1 @seed:002 @severity:critical
  Scenario: With bus mastering off the device cannot move a byte
    Given a machine whose DMA verifier only records findings
    And a process "app.exe" with a committed buffer "A" of 64 KiB
    And the driver "dev.sys" has locked buffer "A" for write access
    And the driver "dev.sys" has DMA adapter "X" for the DMA test device
    When the driver "dev.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" from the device
    And the DMA test device writes its data through scatter/gather list "L"
    Then the DMA test device reports error DescriptorFault
    And the DMA test device's config space records a received master abort
    And the DMA verifier has recorded VER-BUS-MASTER-OFF
    And buffer "A" does not hold the DMA test device's data

  @rule:DEV-1 @seed:002
  Scenario: With bus mastering off a single-buffer transfer is refused at its first data request
    Given a machine whose DMA verifier only records findings
    And the driver "dev.sys" has DMA adapter "X" for the DMA test device
    And the driver "dev.sys" has allocated common buffer "C" of 16 KiB on adapter "X"
    When the DMA test device writes its data into common buffer "C" at its logical address
    Then the DMA test device reports error MasterAbort
    And the DMA test device's config space records a received master abort
    And the DMA verifier has recorded VER-BUS-MASTER-OFF
    And parameter 3 of the VER-BUS-MASTER-OFF finding is the logical address of common buffer "C"

  @rule:DEV-1 @seed:002
  Scenario: With bus mastering off the verifier stops the machine at the first request
    Given a process "app.exe" with a committed buffer "A" of 64 KiB
    And the driver "dev.sys" has locked buffer "A" for write access
    And the driver "dev.sys" has DMA adapter "X" for the DMA test device
    When the driver "dev.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" from the device
    And the DMA test device writes its data through scatter/gather list "L"
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0x1001
    And the DMA verifier stopped the machine for VER-BUS-MASTER-OFF

  @rule:DEV-1 @seed:000 @severity:critical
  Scenario: With bus mastering on and the list's addresses, the data arrives
    Given a process "app.exe" with a committed buffer "A" of 64 KiB
    And the driver "dev.sys" has locked buffer "A" for write access
    And the driver "dev.sys" has DMA adapter "X" for the DMA test device
    And the driver "dev.sys" has enabled bus mastering on the DMA test device
    When the driver "dev.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" from the device
    And the DMA test device writes its data through scatter/gather list "L"
    Then the DMA test device reports the transfer done
    When the driver "dev.sys" puts scatter/gather list "L" back
    Then buffer "A" holds the DMA test device's data
    And the DMA verifier has no findings

  @rule:DEV-1 @seed:000
  Scenario: Behind an IOMMU, a device programmed with physical addresses instead of the list's is stopped
    Given a machine with an IOMMU
    And a process "app.exe" with a committed buffer "A" of 64 KiB
    And the driver "dev.sys" has locked buffer "A" for write access
    And the driver "dev.sys" has DMA adapter "X" for the DMA test device
    And the driver "dev.sys" has enabled bus mastering on the DMA test device
    When the driver "dev.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" from the device
    And the DMA test device writes its data at the physical addresses of MDL "A"
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0x26
    And the DMA verifier stopped the machine for VER-IOMMU-FAULT
