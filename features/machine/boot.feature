@machine
Feature: Booting the simulated machine
  Every scenario boots its own machine. As on a PC, the firmware keeps the
  first megabyte, a device hole just below 4 GiB holds the PCI devices'
  register ranges, and the RAM the hole displaces is placed above 4 GiB.
  A machine that has just booted has handed out no frame yet.

  Scenario: The device hole displaces RAM above 4 GiB
    Given a machine with 8 GiB of RAM
    Then the device hole lies below 4 GiB
    And the RAM displaced by the device hole lies above 4 GiB
    And the first 1 MiB is kept by the firmware
    And every RAM frame is free

  Scenario: A small machine has no RAM above 4 GiB
    Given a machine with 1 GiB of RAM
    Then no RAM lies above 4 GiB
    And every RAM frame is free

  Scenario: Frames are handed out scattered, as on a machine that has run for a while
    Given a machine with 1 GiB of RAM
    When 16 frames are taken
    Then 16 fewer RAM frames are free
    And the frames taken are not physically contiguous

  Scenario: RAM must be a whole number of pages
    Given a machine with 1 GiB + 12 bytes of RAM
    Then the machine refuses to boot because "ramBytes must be a whole number of pages"
