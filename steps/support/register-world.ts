/** Makes ConformanceWorld the world of every scenario (kept apart so tests can build a world directly). */
import { setWorldConstructor } from '@cucumber/cucumber';
import { ConformanceWorld } from './world';

setWorldConstructor(ConformanceWorld);
