@fuzz
Feature: Random and hostile workloads against the driver under test
  The workload fuzzer composes random applications of the driver's class:
  buffers from one byte to 8 MiB starting anywhere in a page, reads and
  writes, synchronous and overlapped, waits, cancels, handle closes and
  process exits mid-I/O; hostile ones that pass kernel addresses, freed,
  too short or overlapping buffers, or free a buffer while its I/O is in
  flight; and machine events between them: memory pressure, allocation
  failures injected at the driver's and the I/O manager's calls, an
  exhausted pool, page-in errors, device faults, fragmented memory. Each
  run draws its machine too (RAM above 4 GiB or not, a 32-bit device, an
  IOMMU, the device's longest transfer, scattered frames, a machine that has
  run for a while).

  After every operation the oracles judge the workload so far (no stop, no
  verifier finding, every byte checked matches the device's stream, every
  finished request ended as the rules require, no DMA outside what the
  applications own), and at the end every oracle, leftovers included. A
  failure shrinks to the fewest operations that still break a rule; the
  counterexample names the rule and the finding and gives the command that
  replays it.

  The default suite runs a small budget with a fixed seed; `npm run fuzz`
  runs long campaigns with a fresh one.

  @class:read-write-direct @rule:PAGE-1 @rule:PAGE-3 @rule:PAGE-5 @rule:MDL-4 @rule:SG-3 @rule:SG-6
  Scenario: Direct-I/O reads and writes under random workloads
    When the workload fuzzer runs 6 random workloads of up to 25 operations against the driver under test
    Then no rule is violated

  @class:storage-forward-progress @rule:SG-4 @rule:SG-5 @rule:PAGE-1 @rule:PAGE-5
  Scenario: A storage driver makes forward progress under random workloads
    When the workload fuzzer runs 6 random workloads of up to 25 operations against the driver under test
    Then no rule is violated

  @class:boot-preallocated-contiguous @rule:CONT-1 @rule:CONT-2 @rule:CONT-3 @rule:PAGE-3
  Scenario: A ring of boot-preallocated buffers under random workloads
    When the workload fuzzer runs 6 random workloads of up to 25 operations against the driver under test
    Then no rule is violated

  @class:mapped-file-dma @rule:PAGE-1 @rule:PAGE-3 @rule:PAGE-4 @rule:PAGE-5
  Scenario: DMA into mapped file views under random workloads
    When the workload fuzzer runs 6 random workloads of up to 25 operations against the driver under test
    Then no rule is violated

  @class:shared-buffer-ioctl @rule:PAGE-1 @rule:PAGE-2 @rule:PAGE-3 @rule:PAGE-5 @rule:PAGE-6
  Scenario: Long-lived shared buffers under random workloads
    When the workload fuzzer runs 6 random workloads of up to 25 operations against the driver under test
    Then no rule is violated

  @class:mapped-buffer-ioctl @rule:CONT-6 @rule:DEV-2 @rule:PAGE-5
  Scenario: A driver buffer mapped into the application under random workloads
    When the workload fuzzer runs 6 random workloads of up to 25 operations against the driver under test
    Then no rule is violated

  @class:peer-to-peer-dma @rule:DEV-6 @rule:VER-IOMMU-FAULT @rule:MDL-3
  Scenario: Device-to-device transfers into GPU memory under random workloads
    When the workload fuzzer runs 6 random workloads of up to 25 operations against the driver under test
    Then no rule is violated
