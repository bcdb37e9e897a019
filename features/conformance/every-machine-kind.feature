Feature: Every class on every kind of machine
  A driver that is right on its writer's workstation can still be wrong on
  the machines its users have: where the device sees other addresses than
  the CPU (an IOMMU), where memory lies beyond what the device addresses (a
  32-bit device on a machine with RAM above 4 GiB: the HAL bounces through
  buffers of its own), where the HAL calls DMA execution routines later
  from a DPC, grants an adapter fewer map registers than the driver asked
  for (a long request then moves in pieces), where the device cuts every
  transfer into small descriptors, or where memory has fragmented since the
  driver started. Each kind of machine changes one thing of a small plain
  one (src/conformance/machine-kinds.ts), so a failure names the thing.

  On each, the driver under test runs its class's standard workload (the
  one the fault-injection sweep runs, with no call failed: open and set up,
  transfers each way of sizes up to 72 KiB, synchronous and overlapped, a
  cancel of requests in flight, a repeated set-up, close, an exit with a
  request in flight, the driver's unload), and every oracle judges it: no
  stop, no verifier finding, data as the device sent it, every request
  ended as the rules require, no DMA outside what the applications own, and
  nothing left behind.

  A conforming driver may handle each kind as the contract allows: it needs
  no code of its own for an IOMMU or bounce buffers when it takes device
  addresses from the HAL (scatter/gather lists, MapTransfer, common
  buffers), and it may move a request longer than its map registers in
  pieces or fail it, as its class's contract says.

  Scenario Outline: The class's standard workload on a machine with <kind>
    When the driver under test runs its class's standard workload on a machine with "<kind>"
    Then every oracle finds the standard workload clean

    @class:boot-preallocated-contiguous @rule:CONT-1 @rule:CONT-2 @rule:CONT-3 @rule:CONT-4 @rule:CONT-7 @rule:DEV-3 @rule:PAGE-5
    Examples: boot-preallocated-contiguous
      | kind |
      | an IOMMU |
      | a 32-bit device and 6 GiB of RAM |
      | DMA execution routines deferred to a DPC |
      | at most 16 map registers per adapter |
      | a device that moves at most 4 KiB per descriptor |
      | memory fragmented once the driver has started |

    @class:mapped-buffer-ioctl @rule:CONT-4 @rule:CONT-6 @rule:DEV-2 @rule:DEV-3 @rule:MDL-1 @rule:MDL-2 @rule:MDL-3 @rule:PAGE-1 @rule:PAGE-3 @rule:PAGE-5 @rule:PAGE-7 @rule:SG-3 @rule:SG-6
    Examples: mapped-buffer-ioctl
      | kind |
      | an IOMMU |
      | a 32-bit device and 6 GiB of RAM |
      | DMA execution routines deferred to a DPC |
      | at most 16 map registers per adapter |
      | a device that moves at most 4 KiB per descriptor |
      | memory fragmented once the driver has started |

    @class:mapped-file-dma @rule:DEV-3 @rule:MDL-1 @rule:PAGE-1 @rule:PAGE-3 @rule:PAGE-4 @rule:PAGE-5 @rule:SG-3
    Examples: mapped-file-dma
      | kind |
      | an IOMMU |
      | a 32-bit device and 6 GiB of RAM |
      | DMA execution routines deferred to a DPC |
      | at most 16 map registers per adapter |
      | a device that moves at most 4 KiB per descriptor |
      | memory fragmented once the driver has started |

    @class:peer-to-peer-dma @rule:DEV-2 @rule:DEV-3 @rule:DEV-6 @rule:MDL-1 @rule:MDL-3 @rule:SG-3 @rule:VER-DMA-OUTSIDE-BUFFER @rule:VER-IOMMU-FAULT
    Examples: peer-to-peer-dma
      | kind |
      | an IOMMU |
      | a 32-bit device and 6 GiB of RAM |
      | DMA execution routines deferred to a DPC |
      | at most 16 map registers per adapter |
      | a device that moves at most 4 KiB per descriptor |
      | memory fragmented once the driver has started |

    @class:read-write-direct @rule:DEV-1 @rule:DEV-2 @rule:DEV-3 @rule:MDL-1 @rule:MDL-4 @rule:PAGE-1 @rule:PAGE-3 @rule:PAGE-5 @rule:PAGE-6 @rule:SG-1 @rule:SG-2 @rule:SG-3 @rule:SG-6 @rule:SG-7 @rule:VER-DIRECTION-MISMATCH
    Examples: read-write-direct
      | kind |
      | an IOMMU |
      | a 32-bit device and 6 GiB of RAM |
      | DMA execution routines deferred to a DPC |
      | at most 16 map registers per adapter |
      | a device that moves at most 4 KiB per descriptor |
      | memory fragmented once the driver has started |

    @class:shared-buffer-ioctl @rule:DEV-3 @rule:MDL-1 @rule:MDL-3 @rule:PAGE-1 @rule:PAGE-2 @rule:PAGE-3 @rule:PAGE-5 @rule:PAGE-6 @rule:SG-1 @rule:SG-3
    Examples: shared-buffer-ioctl
      | kind |
      | an IOMMU |
      | a 32-bit device and 6 GiB of RAM |
      | DMA execution routines deferred to a DPC |
      | at most 16 map registers per adapter |
      | a device that moves at most 4 KiB per descriptor |
      | memory fragmented once the driver has started |

    @class:storage-forward-progress @rule:DEV-3 @rule:PAGE-5 @rule:SG-3 @rule:SG-4 @rule:SG-5
    Examples: storage-forward-progress
      | kind |
      | an IOMMU |
      | a 32-bit device and 6 GiB of RAM |
      | DMA execution routines deferred to a DPC |
      | at most 16 map registers per adapter |
      | a device that moves at most 4 KiB per descriptor |
      | memory fragmented once the driver has started |
