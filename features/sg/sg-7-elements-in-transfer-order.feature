Feature: SG-7 A scatter/gather list is device addresses and lengths in transfer order
  A scatter/gather list tells the device where the transfer's bytes are:
  (device address, length) elements in the order the bytes are transferred,
  their lengths adding up to the transfer length. Pages that happen to lie
  next to each other in physical memory are one element. Behind an IOMMU
  the device addresses are the HAL's own, and the whole transfer can be one
  element even when its frames are scattered (seeds 001 and 003).

  Status: enforced. The HAL builds the list; the suite checks every element
  against the frames the MDL records.

  @rule:SG-7 @seed:003 @severity:critical
  Scenario: A buffer on scattered frames: one element per physical run, in order, adding up to the transfer
    Given a machine with 8 GiB of RAM
    And a process "app.exe" with a committed buffer "A" of 38 pages
    And the driver "sg.sys" allocates MDL "M" for 37 pages + 123 bytes starting 456 bytes into buffer "A"
    And the driver "sg.sys" locks MDL "M" for read access
    And the driver "sg.sys" has DMA adapter "X" for the DMA test device
    When the driver "sg.sys" gets scatter/gather list "L" on adapter "X" for MDL "M" to the device
    Then scatter/gather list "L" covers MDL "M" in transfer order
    And scatter/gather list "L" has one element per physically contiguous run of MDL "M"
    And no two neighbouring elements of scatter/gather list "L" could be merged

  @rule:SG-7 @seed:003
  Scenario: Frames handed out in physical order merge into few elements
    Given a machine with 8 GiB of RAM
    And a machine whose frames are handed out in physical order
    And a process "app.exe" with a committed buffer "A" of 64 pages
    And the driver "sg.sys" has locked buffer "A" for read access
    And the driver "sg.sys" has DMA adapter "X" for the DMA test device
    When the driver "sg.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" to the device
    Then scatter/gather list "L" covers MDL "A" in transfer order
    And scatter/gather list "L" has one element per physically contiguous run of MDL "A"
    And scatter/gather list "L" has fewer elements than MDL "A" has pages

  @rule:SG-7 @rule:MDL-5 @seed:003
  Scenario: A list over an MDL chain continues into the next MDL in order
    Given a machine with 8 GiB of RAM
    And a process "app.exe" with a committed buffer "head" of 3 pages + 100 bytes
    And a process "app.exe" with a committed buffer "tail" of 2 pages + 7 bytes
    And the driver "sg.sys" has allocated MDL "one" for buffer "head" as the primary buffer of request "R"
    And the driver "sg.sys" has allocated MDL "two" for buffer "tail" as a secondary buffer of request "R"
    And the driver "sg.sys" locks MDL "one" for read access
    And the driver "sg.sys" locks MDL "two" for read access
    And the driver "sg.sys" has DMA adapter "X" for the DMA test device
    When the driver "sg.sys" gets scatter/gather list "L" on adapter "X" for the MDL chain of request "R" to the device
    Then scatter/gather list "L" covers the MDL chain of request "R" in transfer order

  @rule:SG-7 @seed:001
  Scenario: Behind an IOMMU the device sees one element over scattered frames
    Given a machine with 8 GiB of RAM
    And a machine with an IOMMU
    And a process "app.exe" with a committed buffer "A" of 40 pages
    And the driver "sg.sys" has locked buffer "A" for write access
    And the driver "sg.sys" has DMA adapter "X" for the DMA test device
    And the driver "sg.sys" has enabled bus mastering on the DMA test device
    When the driver "sg.sys" gets scatter/gather list "L" on adapter "X" for MDL "A" from the device
    Then scatter/gather list "L" has 1 element
    And scatter/gather list "L" covers MDL "A" in transfer order
    When the DMA test device writes its data through scatter/gather list "L"
    And the driver "sg.sys" puts scatter/gather list "L" back
    Then buffer "A" holds the DMA test device's data
