Feature: CONT-1 A common buffer is contiguous for the CPU and for the device
  AllocateCommonBuffer gives a driver memory that it and its device share for
  as long as the driver likes: one range in system virtual space and one
  range in the device's address space, with the device-visible start
  (the logical address) returned alongside. Without an IOMMU the logical
  address is the physical address; behind an IOMMU it is an address the HAL
  mapped for the device. A device that addresses 32 bits gets a buffer it can
  reach (seeds 002 and 003).

  Status: enforced. The HAL allocates contiguous memory and maps it for the
  device; the suite checks the frames and lets the device write into it.

  Background:
    Given a machine with 8 GiB of RAM

  @rule:CONT-1 @seed:003 @severity:critical
  Scenario: The buffer is physically contiguous and the device reaches it at its logical address
    Given the driver "cb.sys" has DMA adapter "X" for the DMA test device
    And the driver "cb.sys" has enabled bus mastering on the DMA test device
    When the driver "cb.sys" allocates common buffer "C" of 9 pages + 10 bytes on adapter "X"
    Then the call succeeds
    And common buffer "C" is physically contiguous
    And the logical address of common buffer "C" is its physical address
    When the DMA test device writes its data into common buffer "C" at its logical address
    Then the DMA test device reports the transfer done
    And common buffer "C" holds the DMA test device's data
    And the DMA verifier has no findings

  @rule:CONT-1 @seed:003
  Scenario: Behind an IOMMU the logical address is a device address, and it works
    Given a machine with an IOMMU
    And the driver "cb.sys" has DMA adapter "X" for the DMA test device
    And the driver "cb.sys" has enabled bus mastering on the DMA test device
    When the driver "cb.sys" allocates common buffer "C" of 16 pages on adapter "X"
    Then common buffer "C" is physically contiguous
    And the logical address of common buffer "C" is not its physical address
    When the DMA test device writes its data into common buffer "C" at its logical address
    Then the DMA test device reports the transfer done
    And common buffer "C" holds the DMA test device's data

  @rule:CONT-1 @seed:003
  Scenario: A device that addresses 32 bits gets a common buffer below 4 GiB
    Given a machine whose DMA test device has 32-bit addressing
    And the driver "cb.sys" has DMA adapter "X" for the DMA test device
    When the driver "cb.sys" allocates common buffer "C" of 256 KiB on adapter "X"
    Then common buffer "C" lies below 4 GiB
    And common buffer "C" is physically contiguous
