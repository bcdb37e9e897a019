Feature: DEV-7 GPU-direct DMA needs GPU memory from the GPU's allocator
  With the GPU-direct option, the user DMA library gives the device the
  GPU's own memory to transfer to, so the data goes peer to peer. The buffer
  must be memory the GPU's allocator handed out; ordinary host memory passed
  with the GPU-direct option fails with an internal system error, status
  0x20000007, and so does GPU memory that was freed (seed 002).

  Status: enforced. The library returns the documented status.

  Background:
    Given a machine with 8 GiB of RAM
    And "app.exe" has opened the DMA test device with the user DMA library

  @rule:DEV-7 @seed:002 @severity:critical
  Scenario: Ordinary host memory with the GPU-direct option fails with 0x20000007
    Given a process "app.exe" with a committed buffer "A" of 64 KiB
    When "app.exe" locks 64 KiB of buffer "A" for scatter/gather DMA as DMA buffer "D" with the high-level call and options "FROM_DEVICE | GPUDIRECT"
    Then the library returns status 0x20000007

  @rule:DEV-7 @seed:002 @severity:critical
  Scenario: GPU memory from the GPU's allocator works, and the device writes into it peer to peer
    Given the GPU has allocated 256 KiB of its memory as "G"
    And the driver "user-dma-library" has enabled bus mastering on the DMA test device
    When "app.exe" locks GPU memory "G" for GPU-direct DMA as DMA buffer "D" with options "FROM_DEVICE | GPUDIRECT"
    Then the library returns SUCCESS
    And DMA buffer "D" lies in the GPU's memory
    When the DMA test device writes its data through DMA buffer "D"
    Then the DMA test device reports the transfer done
    And GPU memory "G" holds the DMA test device's data
    And no byte of that transfer crossed host RAM

  @rule:DEV-7 @seed:002
  Scenario: GPU memory that was freed is not GPU memory any more
    Given the GPU has allocated 256 KiB of its memory as "G"
    And the GPU has freed "G"
    When "app.exe" locks GPU memory "G" for GPU-direct DMA as DMA buffer "D" with options "FROM_DEVICE | GPUDIRECT"
    Then the library returns status 0x20000007
