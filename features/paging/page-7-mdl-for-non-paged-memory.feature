Feature: PAGE-7 An MDL built without probing is valid only for non-paged memory
  MmBuildMdlForNonPagedPool fills in an MDL from memory that is resident by
  nature, such as non-paged pool. It cannot fail and locks nothing, so the
  MDL is simply freed afterwards and must never be unlocked. Building such
  an MDL over pageable memory (an application's buffer, paged pool) would let
  a device use frames that may be taken away at any moment (seed 003).

  Status: enforced. The simulated kernel's verifier stops the machine with
  DRIVER_VERIFIER_DETECTED_VIOLATION (0xC4).

  Background:
    Given a machine with 8 GiB of RAM

  @rule:PAGE-7 @seed:003
  Scenario: An MDL for non-paged pool needs no lock and no unlock
    Given the driver "np.sys" has allocated 64 KiB of non-paged pool as buffer "P"
    When the driver "np.sys" builds MDL "P" for buffer "P" with MmBuildMdlForNonPagedPool
    Then the call succeeds
    And the page entries of MDL "P" are the frames of buffer "P" in order
    When the driver "np.sys" frees MDL "P"
    Then no bug check occurred
    And the driver "np.sys" holds no MDL

  @rule:PAGE-7 @seed:003
  Scenario: Unlocking an MDL built for non-paged pool is a verifier stop
    Given the driver "np.sys" has allocated 64 KiB of non-paged pool as buffer "P"
    And the driver "np.sys" has built MDL "P" for buffer "P" with MmBuildMdlForNonPagedPool
    When the driver "np.sys" unlocks MDL "P"
    Then the machine stops with bug check 0xC4 DRIVER_VERIFIER_DETECTED_VIOLATION
    And bug check parameter 1 is 0x7D
    And bug check parameter 2 identifies MDL "P"

  @rule:PAGE-7 @seed:003 @severity:critical
  Scenario Outline: Building an MDL without probing over <memory> is a verifier stop
    Given <the buffer>
    And <the writer> writes the pattern "delta" into buffer "A"
    When the driver "np.sys" builds MDL "A" for buffer "A" with MmBuildMdlForNonPagedPool
    Then the machine stops with bug check 0xC4 DRIVER_VERIFIER_DETECTED_VIOLATION
    And bug check parameter 1 is 0x7F
    And bug check parameter 3 identifies MDL "A"

    Examples:
      | memory                  | the buffer                                                             | the writer         |
      | an application's buffer | a process "app.exe" with a committed buffer "A" of 64 KiB              | "app.exe"          |
      | paged pool              | the driver "np.sys" has allocated 64 KiB of paged pool as buffer "A"   | the driver "np.sys" |
