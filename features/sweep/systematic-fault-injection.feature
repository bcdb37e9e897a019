@sweep
Feature: Every fallible call of the driver fails once, one run at a time
  Most DMA driver bugs live on error paths, which a workload that never
  fails reaches only by chance. The sweep runs the standard workload of the
  driver's class (open and set up, transfers each way, synchronous and
  overlapped, a cancel of requests in flight, a repeated set-up, close, an
  exit with a request in flight, the driver's unload) once per fallible
  kernel call the driver makes: run k fails call k (pool, MDL, system-address
  mapping, scatter/gather lists, adapter channel, common buffer, contiguous
  memory, work item, DMA adapter), until a run makes fewer than k calls. A
  call site the workload reaches only after a failure (the driver routine and
  the kernel call) gets a run of its own that also fails its first call.

  Every run is judged by every oracle: no stop, no verifier finding, data as
  the device sent it, every request ended as the rules allow (a request the
  failure met may end in STATUS_INSUFFICIENT_RESOURCES, unless the class must
  make forward progress), no DMA outside what the applications own, and
  nothing left behind once the driver is unloaded. A failure names the call,
  its site, the finding with its rule, and the command that replays that run
  (`npm run sweep -- --driver <module> --class <class> --fail <k>`).

  @class:read-write-direct @rule:SG-1 @rule:SG-3 @rule:MDL-4 @rule:PAGE-5 @rule:CONT-4
  Scenario: A direct-I/O driver survives the failure of each of its calls
    When the sweep fails each fallible call of the driver under test in turn
    Then the sweep finds no failure
    And the sweep also failed the first call at each call site only an error path reaches

  @class:storage-forward-progress @rule:SG-5 @rule:SG-3 @rule:PAGE-5
  Scenario: A storage driver makes forward progress through the failure of each scatter/gather list and pool allocation
    When the sweep fails each fallible call of the driver under test in turn
    Then the sweep finds no failure

  @class:boot-preallocated-contiguous @rule:CONT-1 @rule:CONT-2 @rule:SG-1
  Scenario: A ring of boot-preallocated buffers survives the failure of each of its calls
    When the sweep fails each fallible call of the driver under test in turn
    Then the sweep finds no failure

  @class:mapped-file-dma @rule:PAGE-3 @rule:PAGE-5 @rule:MDL-1
  Scenario: A mapped-file driver survives the failure of each of its calls
    When the sweep fails each fallible call of the driver under test in turn
    Then the sweep finds no failure

  @class:shared-buffer-ioctl @rule:PAGE-2 @rule:PAGE-5 @rule:MDL-3
  Scenario: A shared-buffer driver survives the failure of each of its calls
    When the sweep fails each fallible call of the driver under test in turn
    Then the sweep finds no failure

  @class:mapped-buffer-ioctl @rule:CONT-4 @rule:CONT-6 @rule:MDL-1
  Scenario: A mapped-buffer driver survives the failure of each of its calls
    When the sweep fails each fallible call of the driver under test in turn
    Then the sweep finds no failure

  @class:peer-to-peer-dma @rule:DEV-6 @rule:MDL-1 @rule:SG-3
  Scenario: A peer-to-peer driver survives the failure of each of its calls
    When the sweep fails each fallible call of the driver under test in turn
    Then the sweep finds no failure
