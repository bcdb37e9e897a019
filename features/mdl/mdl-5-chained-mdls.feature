Feature: MDL-5 Chained MDLs describe one transfer made of several buffers
  A request can carry more than one buffer: the first MDL hangs from the
  request and each further one is chained after the last, in order. The
  transfer is the chain taken as a whole, so its length is the sum of the
  MDLs' byte counts. Each MDL in the chain is locked and unlocked on its own
  (seed 003).

  Status: checked. The suite walks the chain and observes each buffer's pages.

  Background:
    Given a machine with 8 GiB of RAM
    And a process "app.exe" with a committed buffer "header" of 4 KiB + 12 bytes
    And a process "app.exe" with a committed buffer "payload" of 64 KiB

  @rule:MDL-5 @seed:003
  Scenario: Two buffers chained into one request describe their total length
    When the driver "chain.sys" allocates MDL "head" for buffer "header" as the primary buffer of request "R"
    And the driver "chain.sys" allocates MDL "body" for buffer "payload" as a secondary buffer of request "R"
    Then the call succeeds
    And the MDL chain of request "R" is "head, body"
    And the MDL chain of request "R" describes 68 KiB + 12 bytes in total

  @rule:MDL-5 @seed:003
  Scenario: Each MDL of a chain is locked and unlocked on its own
    Given the driver "chain.sys" has allocated MDL "head" for buffer "header" as the primary buffer of request "R"
    And the driver "chain.sys" has allocated MDL "body" for buffer "payload" as a secondary buffer of request "R"
    When the driver "chain.sys" locks MDL "head" for read access
    Then every page of buffer "header" is locked
    But no page of buffer "payload" is locked
    When the driver "chain.sys" locks MDL "body" for read access
    Then every page of buffer "payload" is locked
    When the driver "chain.sys" unlocks and frees MDL "head"
    Then no page of buffer "header" is locked
    But every frame of buffer "payload" is still locked
    When the driver "chain.sys" unlocks and frees MDL "body"
    Then no page of buffer "payload" is locked
    And no bug check occurred
    And the driver "chain.sys" holds no MDL
