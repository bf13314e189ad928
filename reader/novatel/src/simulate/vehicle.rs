//! Where the simulated receiver is: driving a circle at constant speed around an origin.

/// Mean Earth radius, metres: plenty for turning a few hundred metres into degrees.
const EARTH_RADIUS_M: f64 = 6_371_000.0;

/// The vehicle's state at one moment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct State {
    pub lat: f64,
    pub lon: f64,
    pub hgt: f64,
    pub north_vel: f64,
    pub east_vel: f64,
    pub up_vel: f64,
    /// Direction of travel, degrees clockwise from north.
    pub track: f64,
    pub speed: f64,
}

/// A circle of `radius_m` around (`lat`, `lon`, `hgt`) driven at `speed_mps`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Circle {
    pub lat: f64,
    pub lon: f64,
    pub hgt: f64,
    pub radius_m: f64,
    pub speed_mps: f64,
}

impl Circle {
    /// The state `t` seconds after the start.
    pub fn at(&self, t: f64) -> State {
        let omega = if self.radius_m > 0.0 { self.speed_mps / self.radius_m } else { 0.0 };
        let angle = omega * t;
        let (north, east) = (self.radius_m * angle.cos(), self.radius_m * angle.sin());
        // Counter-clockwise in the north/east plane: velocity is the derivative.
        let (north_vel, east_vel) = (-self.speed_mps * angle.sin(), self.speed_mps * angle.cos());
        let track = east_vel.atan2(north_vel).to_degrees().rem_euclid(360.0);
        State {
            lat: self.lat + (north / EARTH_RADIUS_M).to_degrees(),
            lon: self.lon + (east / (EARTH_RADIUS_M * self.lat.to_radians().cos())).to_degrees(),
            hgt: self.hgt + 2.0 * (angle * 0.5).sin(),
            north_vel,
            east_vel,
            up_vel: omega * (angle * 0.5).cos(),
            track,
            speed: self.speed_mps,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drives_the_circle_at_the_set_speed() {
        let circle =
            Circle { lat: 51.0, lon: -114.0, hgt: 1000.0, radius_m: 100.0, speed_mps: 10.0 };
        let a = circle.at(0.0);
        let b = circle.at(0.1);
        let north = (b.lat - a.lat).to_radians() * EARTH_RADIUS_M;
        let east = (b.lon - a.lon).to_radians() * EARTH_RADIUS_M * 51f64.to_radians().cos();
        assert!(((north.powi(2) + east.powi(2)).sqrt() - 1.0).abs() < 0.01);
        assert!((a.track - 90.0).abs() < 1e-9);
        // Half way round it is 200 m south of where it started, heading west.
        let half = circle.at(std::f64::consts::PI * 100.0 / 10.0);
        assert!(((a.lat - half.lat).to_radians() * EARTH_RADIUS_M - 200.0).abs() < 0.01);
        assert!((half.track - 270.0).abs() < 1e-6);
    }
}
