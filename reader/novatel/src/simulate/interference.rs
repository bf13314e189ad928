//! Interference a simulated receiver meets: jamming episodes, in which the C/N0 of most tracked
//! satellites falls at once, and, halfway between two episodes, a fade of a single satellite (a
//! tree or a building in its line of sight), which is no interference. Deterministic for a seed,
//! so a test knows when each happened and which satellites it hit.

use crate::logs::Observation;

/// C/N0 an attenuated signal keeps at least, dB-Hz: the lowest RANGECMP can carry.
const FLOOR_DBHZ: f64 = 20.0;

/// When and how hard episodes strike.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interference {
    /// Time from the start of one episode to the start of the next, ms; the first starts one
    /// period after the simulation starts, shifted by up to a quarter period by the seed.
    pub every_ms: u64,
    /// How long an episode (and a fade) lasts, ms.
    pub duration_ms: u64,
    /// How far C/N0 falls on a satellite hit, dB.
    pub depth_db: f64,
    /// Share of the satellites in view an episode hits, 0 to 1; which ones, the seed decides.
    pub fraction: f64,
}

/// What struck, from when to when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Most satellites at once: what the detector must flag.
    Jamming,
    /// One satellite: what it must not flag.
    Fade,
}

/// One episode or fade: `[start_ms, end_ms)` of simulated time since the start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Episode {
    pub kind: Kind,
    pub start_ms: u64,
    pub end_ms: u64,
    /// Which one of its kind (0, 1, ...): it picks the satellites hit.
    pub number: u64,
}

impl Interference {
    /// Checks the values make sense: episodes and fades fit between one another.
    pub fn check(&self) -> Result<(), String> {
        if self.every_ms == 0 || self.duration_ms == 0 {
            return Err("interference needs a period and a duration above zero".into());
        }
        if self.duration_ms * 4 > self.every_ms {
            return Err(format!(
                "an episode of {} ms every {} ms leaves no room for the fades between \
                 episodes: make the period at least four times the duration",
                self.duration_ms, self.every_ms
            ));
        }
        if !(self.depth_db > 0.0 && self.depth_db.is_finite()) {
            return Err("the depth of an episode is a number of dB above zero".into());
        }
        if !(0.0..=1.0).contains(&self.fraction) {
            return Err("the fraction of satellites hit is between 0 and 1".into());
        }
        Ok(())
    }

    /// Start of the first episode, ms since the start.
    fn first_ms(&self, seed: u64) -> u64 {
        self.every_ms + mix(seed, 0, 0) % (self.every_ms / 4).max(1)
    }

    /// Every episode and fade that starts before `until_ms`, in order of start.
    pub fn schedule(&self, seed: u64, until_ms: u64) -> Vec<Episode> {
        let first = self.first_ms(seed);
        let mut out = Vec::new();
        for number in 0.. {
            let start_ms = first + number * self.every_ms;
            if start_ms >= until_ms {
                break;
            }
            out.push(Episode {
                kind: Kind::Jamming,
                start_ms,
                end_ms: start_ms + self.duration_ms,
                number,
            });
            let fade_ms = start_ms + self.every_ms / 2;
            if fade_ms < until_ms {
                let end_ms = fade_ms + self.duration_ms;
                out.push(Episode { kind: Kind::Fade, start_ms: fade_ms, end_ms, number });
            }
        }
        out
    }

    /// The episode or fade under way at `ms`, if any.
    fn at(&self, seed: u64, ms: u64) -> Option<Episode> {
        let first = self.first_ms(seed);
        let since = ms.checked_sub(first)?;
        let (number, into) = (since / self.every_ms, since % self.every_ms);
        let half = self.every_ms / 2;
        let (kind, start) = match into {
            _ if into < self.duration_ms => (Kind::Jamming, 0),
            _ if (half..half + self.duration_ms).contains(&into) => (Kind::Fade, half),
            _ => return None,
        };
        let start_ms = first + number * self.every_ms + start;
        Some(Episode { kind, start_ms, end_ms: start_ms + self.duration_ms, number })
    }

    /// The satellites `episode` hits among `keys` (constellation and PRN), those in view: a
    /// jamming episode the fraction of them (rounded up) that rank first in a draw of its own,
    /// a fade the one its draw picks.
    fn hit(&self, seed: u64, episode: &Episode, keys: &[u64]) -> Vec<u64> {
        match episode.kind {
            Kind::Jamming => {
                let mut ranked = keys.to_vec();
                ranked.sort_by_key(|&key| mix(seed, episode.number + 1, key));
                ranked.truncate((self.fraction * keys.len() as f64).ceil() as usize);
                ranked
            }
            Kind::Fade => {
                let pick = mix(seed, u64::MAX - episode.number, 0) as usize % keys.len().max(1);
                keys.get(pick).into_iter().copied().collect()
            }
        }
    }

    /// Attenuates `obs`, the observations of an epoch `ms` after the start, as the episode under
    /// way then does.
    pub fn apply(&self, seed: u64, ms: u64, obs: &mut [Observation]) {
        let Some(episode) = self.at(seed, ms) else { return };
        let mut keys: Vec<u64> = obs.iter().map(satellite).collect();
        keys.dedup();
        let hit = self.hit(seed, &episode, &keys);
        for o in obs.iter_mut().filter(|o| hit.contains(&satellite(o))) {
            o.cn0 = (f64::from(o.cn0) - self.depth_db).max(FLOOR_DBHZ).round() as f32;
        }
    }
}

/// A satellite's identity across epochs: its constellation (tracking status bits 16-18) and PRN.
fn satellite(o: &Observation) -> u64 {
    u64::from((o.tracking_status.0 >> 16) & 0x7) << 16 | u64::from(o.prn)
}

/// A well-spread hash of three numbers (splitmix64's finaliser).
fn mix(a: u64, b: u64, c: u64) -> u64 {
    let mut z = a
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(b.wrapping_mul(0xBF58_476D_1CE4_E5B9))
        .wrapping_add(c.wrapping_mul(0x94D0_49BB_1331_11EB));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::Sky;

    const EVERY: Interference =
        Interference { every_ms: 300_000, duration_ms: 30_000, depth_db: 12.0, fraction: 0.8 };

    fn hit(seed: u64, ms: u64) -> usize {
        let sky = Sky::new(28, seed);
        let before = sky.observations(ms as f64 / 1000.0);
        let mut after = before.clone();
        EVERY.apply(seed, ms, &mut after);
        let mut hit: Vec<u64> = before
            .iter()
            .zip(&after)
            .filter(|(b, a)| a.cn0 < b.cn0)
            .map(|(b, _)| satellite(b))
            .collect();
        hit.dedup();
        hit.len()
    }

    #[test]
    fn episodes_hit_most_satellites_and_fades_one() {
        for seed in 1..5 {
            let schedule = EVERY.schedule(seed, 3_600_000);
            assert_eq!(schedule.iter().filter(|e| e.kind == Kind::Jamming).count(), 11);
            assert_eq!(schedule.iter().filter(|e| e.kind == Kind::Fade).count(), 11);
            for episode in &schedule {
                let sky = Sky::new(28, seed).in_view(episode.start_ms as f64 / 1000.0);
                let hit = hit(seed, episode.start_ms + 1_000);
                match episode.kind {
                    Kind::Jamming => assert_eq!(hit, (sky * 8).div_ceil(10), "{episode:?}"),
                    Kind::Fade => assert_eq!(hit, 1, "{episode:?}"),
                }
                assert_eq!(self::hit(seed, episode.end_ms), 0, "{episode:?} is over");
                assert_eq!(self::hit(seed, episode.start_ms - 10), 0, "{episode:?} not begun");
            }
        }
    }

    #[test]
    fn periods_too_short_for_fades_are_refused() {
        assert!(EVERY.check().is_ok());
        assert!(Interference { every_ms: 100_000, ..EVERY }.check().is_err());
        assert!(Interference { fraction: 1.5, ..EVERY }.check().is_err());
        assert!(Interference { depth_db: 0.0, ..EVERY }.check().is_err());
    }
}
