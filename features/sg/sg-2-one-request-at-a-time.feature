Feature: SG-2 The old DMA path lets one request at a time through the adapter channel
  Before scatter/gather lists, a driver asked for the adapter channel with
  AllocateAdapterChannel and, in the execution routine the HAL calls once
  the channel is its own, mapped the transfer with MapTransfer, one element
  per call, never across a break in physical contiguity. It then flushed with
  FlushAdapterBuffers and freed the channel. While one request holds the
  channel, the next waits: its execution routine runs only after the first
  frees the channel, which is why the scatter/gather routines replaced this
  path (seed 001).

  Status: enforced. The HAL queues the second request; misuse of the channel
  and its registers is reported by the DMA verifier (features/verifier).

  Background:
    Given a machine with 8 GiB of RAM
    And the driver "old.sys" has DMA adapter "A" for the DMA test device

  @rule:SG-2 @seed:001 @severity:critical
  Scenario: A second request for the channel waits until the first frees it
    When the driver "old.sys" requests the channel of adapter "A" for device "disk0" with 4 map registers, returning KeepObject
    Then the execution routine for device "disk0" has run at DISPATCH_LEVEL
    When the driver "old.sys" requests the channel of adapter "A" for device "disk1" with 4 map registers, returning DeallocateObject
    Then the execution routine for device "disk1" has not run
    And 1 request waits for the channel of adapter "A"
    When the machine runs until nothing is left to do
    Then the execution routine for device "disk1" has not run
    When the driver "old.sys" frees the channel of adapter "A"
    And the machine runs until nothing is left to do
    Then the execution routine for device "disk1" has run at DISPATCH_LEVEL
    And 0 requests wait for the channel of adapter "A"

  @rule:SG-2 @seed:001
  Scenario: Keeping only the map registers lets the next request have the channel
    When the driver "old.sys" requests the channel of adapter "A" for device "disk0" with 4 map registers, returning DeallocateObjectKeepRegisters
    And the driver "old.sys" requests the channel of adapter "A" for device "disk1" with 4 map registers, returning DeallocateObject
    And the machine runs until nothing is left to do
    Then the execution routine for device "disk1" has run at DISPATCH_LEVEL
    When the driver "old.sys" frees the map registers kept for device "disk0"
    Then no bug check occurred

  @rule:SG-2 @seed:001 @seed:003
  Scenario: MapTransfer maps one physically contiguous element per call
    Given a process "app.exe" with a committed buffer "B" of 40 pages + 77 bytes
    And the driver "old.sys" has locked buffer "B" for read access
    When the driver "old.sys" maps MDL "B" with MapTransfer on adapter "A" to the device
    Then each MapTransfer call for MDL "B" mapped one physically contiguous run, in transfer order
    When the driver "old.sys" flushes the adapter buffers of MDL "B"
    And the driver "old.sys" frees the channel of adapter "A"
    Then no bug check occurred
