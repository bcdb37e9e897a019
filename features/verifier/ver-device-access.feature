Feature: The DMA verifier checks every frame a device touches, at the moment it touches it
  Before every device access to a RAM frame the verifier asks three things:
  is the frame locked or non-paged right now (a buffer a driver unlocked
  early may already hold another owner's data), is the bus address
  inside something the HAL mapped for that device, and does the device move
  the data the way the driver mapped it (WriteToDevice). It also sees requests the
  bus refused: from a device whose bus mastering is off, or that the IOMMU
  blocked because nothing is mapped there for the device (any more). Driver
  Verifier stops the machine with bug check 0xE6
  (DRIVER_VERIFIER_DMA_VIOLATION) (docs/verifier-catalog.md).

  Status: enforced. The verifier watches the bus and stops the machine at
  the first offending access, for every driver and every run. Windows makes
  these checks only when a user enables Driver Verifier's DMA verification
  for the driver; without it a device writing into a frame that was unlocked
  and reused corrupts another owner's data and nothing stops it.

  Background:
    Given a machine with 8 GiB of RAM

  @rule:VER-UNLOCKED-DMA @rule:PAGE-1 @seed:000 @severity:critical
  Scenario: The device writes into a buffer the driver unlocked too early and the trimmer took
    Given a process "app.exe" with a committed buffer "A" of 16 pages
    And the driver "early.sys" has locked buffer "A" for write access
    And the driver "early.sys" has DMA adapter "X" for the DMA test device
    And the driver "early.sys" has enabled bus mastering on the DMA test device
    When the driver "early.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" from the device
    And the driver "early.sys" unlocks MDL "A"
    And memory pressure is severe
    And the DMA test device writes its data through scatter/gather list "L"
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0xE
    And bug check parameter 2 identifies MDL "A"
    And bug check parameter 4 is 0x1
    And the DMA verifier stopped the machine for VER-UNLOCKED-DMA

  @rule:VER-UNLOCKED-DMA @seed:003
  Scenario: A list asked for an MDL whose pages were never locked
    Given a process "app.exe" with a committed buffer "A" of 4 pages
    And the driver "early.sys" has allocated MDL "M" for buffer "A"
    And the driver "early.sys" has DMA adapter "X" for the DMA test device
    When the driver "early.sys" gets scatter/gather list "L" on adapter "X" for MDL "M" to the device
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0xE
    And bug check parameter 2 identifies MDL "M"
    And bug check parameter 3 is 0x0
    And the DMA verifier stopped the machine for VER-UNLOCKED-DMA

  @rule:VER-UNLOCKED-DMA @seed:003
  Scenario: MapTransfer of an MDL whose pages were never locked
    Given a process "app.exe" with a committed buffer "A" of 1 page
    And the driver "early.sys" has allocated MDL "M" for buffer "A"
    And the driver "early.sys" has DMA adapter "X" for the DMA test device
    When the driver "early.sys" maps MDL "M" with MapTransfer on adapter "X" to the device
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0xE
    And bug check parameter 2 identifies MDL "M"
    And the DMA verifier stopped the machine for VER-UNLOCKED-DMA

  @rule:VER-DMA-OUTSIDE-BUFFER @seed:003 @severity:critical
  Scenario: The device writes into non-paged memory nobody mapped for it
    Given the driver "stray.sys" has allocated 1 page of non-paged pool as buffer "P"
    And the driver "stray.sys" has enabled bus mastering on the DMA test device
    When the DMA test device writes 512 bytes of its data at the physical address of buffer "P"
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0xF
    And bug check parameter 2 is 0x3
    And the DMA verifier stopped the machine for VER-DMA-OUTSIDE-BUFFER

  @rule:VER-DMA-OUTSIDE-BUFFER @seed:001
  Scenario: The device goes on writing through a list the driver already put back
    Given a process "app.exe" with a committed buffer "A" of 8 pages
    And the driver "early.sys" has locked buffer "A" for write access
    And the driver "early.sys" has DMA adapter "X" for the DMA test device
    And the driver "early.sys" has enabled bus mastering on the DMA test device
    When the driver "early.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" from the device
    And the driver "early.sys" starts the DMA test device writing through scatter/gather list "L"
    And the driver "early.sys" puts scatter/gather list "L" back
    And the DMA test device finishes its transfer
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0xF
    And the DMA verifier stopped the machine for VER-DMA-OUTSIDE-BUFFER

  @rule:VER-IOMMU-FAULT @seed:001 @severity:critical
  Scenario: Behind an IOMMU, the device goes on writing through a list the driver already put back
    Given a machine with an IOMMU
    And a process "app.exe" with a committed buffer "A" of 8 pages
    And the driver "stale.sys" has locked buffer "A" for write access
    And the driver "stale.sys" has DMA adapter "X" for the DMA test device
    And the driver "stale.sys" has enabled bus mastering on the DMA test device
    When the driver "stale.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" from the device
    And the driver "stale.sys" starts the DMA test device writing through scatter/gather list "L"
    And the driver "stale.sys" puts scatter/gather list "L" back
    And the DMA test device finishes its transfer
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0x26
    And the DMA verifier stopped the machine for VER-IOMMU-FAULT

  @rule:VER-DIRECTION-MISMATCH @seed:001 @severity:critical
  Scenario: The device writes into a buffer the driver mapped for a transfer to the device
    Given a process "app.exe" with a committed buffer "A" of 8 pages
    And the driver "wrongway.sys" has locked buffer "A" for write access
    And the driver "wrongway.sys" has DMA adapter "X" for the DMA test device
    And the driver "wrongway.sys" has enabled bus mastering on the DMA test device
    When the driver "wrongway.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" to the device
    And the DMA test device writes its data through scatter/gather list "L"
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0x1010
    And bug check parameter 4 is 0x1
    And the DMA verifier stopped the machine for VER-DIRECTION-MISMATCH

  @rule:VER-DIRECTION-MISMATCH @seed:001
  Scenario: The device reads a buffer the driver mapped for a transfer from the device
    Given a process "app.exe" with a committed buffer "A" of 8 pages
    And the driver "wrongway.sys" has locked buffer "A" for write access
    And the driver "wrongway.sys" has DMA adapter "X" for the DMA test device
    And the driver "wrongway.sys" has enabled bus mastering on the DMA test device
    When the driver "wrongway.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" from the device
    And the DMA test device reads through scatter/gather list "L"
    Then the machine stops with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION
    And bug check parameter 1 is 0x1010
    And bug check parameter 4 is 0x0
    And the DMA verifier stopped the machine for VER-DIRECTION-MISMATCH
