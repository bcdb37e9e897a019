Feature: A DMA verifier set to record keeps every finding and lets the machine go on
  The boot configuration decides what a finding does: stop the machine
  (bug check 0xE6, as Driver Verifier does) or only record it, with its
  catalog ID, its parameters and what happened. Recording shows everything a
  misbehaving driver does in one run; the routine that was misused then fails
  the documented way or carries on as the real one would. Checks that no
  Windows tool makes have parameter 1 values of this project's own, from
  0x1000 (docs/verifier-catalog.md).

  Status: enforced. The simulated DMA verifier records each violation when it
  happens.

  Background:
    Given a machine with 8 GiB of RAM
    And a machine whose DMA verifier only records findings

  @rule:VER-UNLOCKED-DMA @seed:000 @severity:critical
  Scenario: Every frame the device writes after an early unlock is a finding, and the data is lost
    Given a process "app.exe" with a committed buffer "A" of 8 pages
    And the driver "early.sys" has locked buffer "A" for write access
    And the driver "early.sys" has DMA adapter "X" for the DMA test device
    And the driver "early.sys" has enabled bus mastering on the DMA test device
    When the driver "early.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" from the device
    And the driver "early.sys" unlocks MDL "A"
    And memory pressure is severe
    And the DMA test device writes its data through scatter/gather list "L"
    Then the DMA test device reports the transfer done
    And the DMA verifier has recorded VER-UNLOCKED-DMA 8 times
    And no bug check occurred
    And buffer "A" does not hold the DMA test device's data

  @rule:VER-UNMAP-MISMATCH @seed:003 @severity:critical
  Scenario: A list put back with the other direction
    Given a process "app.exe" with a committed buffer "A" of 1 page
    And the driver "bad.sys" has locked buffer "A" for read access
    And the driver "bad.sys" has DMA adapter "X" for the DMA test device
    When the driver "bad.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" to the device
    And the driver "bad.sys" puts scatter/gather list "L" back as a transfer from the device
    Then the DMA verifier has recorded VER-UNMAP-MISMATCH
    And parameter 1 of the VER-UNMAP-MISMATCH finding is 0x1000
    And parameter 2 of the VER-UNMAP-MISMATCH finding is 0x2
    And no bug check occurred

  @rule:VER-UNMAP-MISMATCH @seed:003
  Scenario: A common buffer freed with another length than it was allocated with
    Given the driver "bad.sys" has DMA adapter "X" for the DMA test device
    And the driver "bad.sys" has allocated common buffer "C" of 2 pages on adapter "X"
    When the driver "bad.sys" frees common buffer "C" giving its length as 1 page
    Then the DMA verifier has recorded VER-UNMAP-MISMATCH
    And parameter 2 of the VER-UNMAP-MISMATCH finding is 0x1
    And parameter 3 of the VER-UNMAP-MISMATCH finding is 0x2000
    And parameter 4 of the VER-UNMAP-MISMATCH finding is 0x1000

  @rule:VER-SG-BUFFER-IN-USE @rule:SG-5 @seed:001 @severity:critical
  Scenario: A list built into a reserve that still holds a list not put back
    Given a process "app.exe" with a committed buffer "A" of 1 page
    And the driver "storage.sys" has locked buffer "A" for read access
    And the driver "storage.sys" has DMA adapter "X" for the DMA test device
    And the driver "storage.sys" has allocated 1 page of non-paged pool as buffer "reserve"
    And the driver "storage.sys" calculates the scatter/gather list size for MDL "A" on adapter "X"
    When the driver "storage.sys" builds scatter/gather list "first" on adapter "X" for MDL "A" to the device into buffer "reserve" of the calculated size
    Then the DMA verifier has no findings
    When the driver "storage.sys" builds scatter/gather list "second" on adapter "X" for MDL "A" to the device into buffer "reserve" of the calculated size
    Then the DMA verifier has recorded VER-SG-BUFFER-IN-USE
    And parameter 1 of the VER-SG-BUFFER-IN-USE finding is 0x1003
    And no bug check occurred

  @rule:VER-BUS-MASTER-OFF @rule:DEV-1 @seed:002 @severity:critical
  Scenario: The device asked to DMA while its bus mastering is off
    Given a process "app.exe" with a committed buffer "A" of 4 pages
    And the driver "dev.sys" has locked buffer "A" for write access
    And the driver "dev.sys" has DMA adapter "X" for the DMA test device
    And the driver "dev.sys" has enabled bus mastering on the DMA test device
    When the driver "dev.sys" disables bus mastering on the DMA test device
    And the driver "dev.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" from the device
    And the DMA test device writes its data through scatter/gather list "L"
    Then the DMA test device reports error DescriptorFault
    And the DMA verifier has recorded VER-BUS-MASTER-OFF
    And parameter 1 of the VER-BUS-MASTER-OFF finding is 0x1001
    And no bug check occurred

  @rule:VER-LEAK-AT-UNLOAD @seed:003 @severity:critical
  Scenario: A driver that unloads holding its adapter and a common buffer leaks them
    Given the driver "bad.sys" has DMA adapter "X" for the DMA test device
    And the driver "bad.sys" has allocated common buffer "C" of 1 page on adapter "X"
    When the HAL checks the driver "bad.sys" for DMA resources left behind at unload
    Then the DMA verifier has recorded VER-LEAK-AT-UNLOAD
    And parameter 1 of the VER-LEAK-AT-UNLOAD finding is 0x1002
    And parameter 2 of the VER-LEAK-AT-UNLOAD finding is 0x1
    And parameter 3 of the VER-LEAK-AT-UNLOAD finding is 0x1
    And no bug check occurred

  @rule:VER-LEAK-AT-UNLOAD @seed:003
  Scenario: A driver that unloads holding a scatter/gather list leaks it
    Given a process "app.exe" with a committed buffer "A" of 1 page
    And the driver "bad.sys" has locked buffer "A" for read access
    And the driver "bad.sys" has DMA adapter "X" for the DMA test device
    And the driver "bad.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" to the device
    When the HAL checks the driver "bad.sys" for DMA resources left behind at unload
    Then the DMA verifier has recorded VER-LEAK-AT-UNLOAD
    And parameter 2 of the VER-LEAK-AT-UNLOAD finding is 0x1
    And parameter 3 of the VER-LEAK-AT-UNLOAD finding is 0x0
    And parameter 4 of the VER-LEAK-AT-UNLOAD finding is 0x1

  @rule:VER-LEAK-AT-UNLOAD @seed:003
  Scenario: A driver that gave everything back unloads clean
    Given the driver "bad.sys" has DMA adapter "X" for the DMA test device
    When the driver "bad.sys" releases adapter "X"
    And the HAL checks the driver "bad.sys" for DMA resources left behind at unload
    Then the DMA verifier has no findings
