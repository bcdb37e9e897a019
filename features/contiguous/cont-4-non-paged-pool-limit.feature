Feature: CONT-4 Non-paged pool has a size fixed at boot
  Non-paged pool is sized when the machine boots. Once drivers hold all of
  it, an allocation fails with NULL however much RAM is free, until somebody
  gives pool back (seeds 002 and 003).

  Status: enforced. ExAllocatePoolWithTag returns NULL beyond the limit.

  @rule:CONT-4 @seed:003 @severity:critical
  Scenario: An allocation beyond the pool's size fails with RAM to spare, and succeeds once pool is freed
    Given a machine with 8 GiB of RAM
    And a machine whose non-paged pool is 4 MiB
    When the driver "pool.sys" allocates 3 MiB of non-paged pool as buffer "big"
    Then the call succeeds
    When the driver "pool.sys" allocates 2 MiB of non-paged pool as buffer "more"
    Then ExAllocatePoolWithTag returns NULL
    And at least 4 GiB of RAM is free
    When the driver "pool.sys" frees pool buffer "big"
    And the driver "pool.sys" allocates 2 MiB of non-paged pool as buffer "again"
    Then the call succeeds
