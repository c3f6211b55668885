//! Assigning targets to groups (§9): balanced capacities, a direct cyclic scan, and otherwise a
//! breadth-first augmenting path with fixed orders, so the result is a maximum recusal-free assignment and
//! is the same in every implementation.

use std::collections::VecDeque;

/// The assignment of `k` targets to `g` groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Assignment {
    /// Each group's targets (target indices) in the order they were appended.
    pub(crate) lists: Vec<Vec<u32>>,
    /// The group of each target, `None` if unassigned.
    pub(crate) group_of: Vec<Option<u32>>,
    /// How many targets needed an augmenting path (step 2).
    pub(crate) augmenting_paths: u32,
}

/// Assigns targets `0..k` to groups `0..g` (0-based here; the specification numbers groups from 1).
/// `conflict(group, target)` says whether a member of the group conflicts with the target.
pub(crate) fn assign(k: usize, g: usize, conflict: impl Fn(usize, usize) -> bool) -> Assignment {
    let mut a = Assignment {
        lists: vec![Vec::new(); g],
        group_of: vec![None; k],
        augmenting_paths: 0,
    };
    if g == 0 {
        return a;
    }
    let capacity = |i: usize| k / g + usize::from(i < k % g);
    // Scratch space of the search, reused for every target.
    let mut visited = vec![false; g];
    let mut parent: Vec<Option<(usize, u32)>> = vec![None; g];
    let mut queue = VecDeque::with_capacity(g);
    for j in 0..k {
        let scan = |t: usize| (0..g).map(move |step| (t + step) % g);
        // Step 1: direct.
        if let Some(h) = scan(j).find(|&h| !conflict(h, j) && a.lists[h].len() < capacity(h)) {
            a.lists[h].push(j as u32);
            a.group_of[j] = Some(h as u32);
            continue;
        }
        // Step 2: breadth-first search for an augmenting path.
        visited.iter_mut().for_each(|v| *v = false);
        queue.clear();
        let mut n_visited = 0;
        for h in scan(j).filter(|&h| !conflict(h, j)) {
            visited[h] = true;
            parent[h] = None;
            n_visited += 1;
            queue.push_back(h);
        }
        let mut end = None;
        'search: while let Some(gr) = queue.pop_front() {
            // Once every group is visited no new group can be reached, so the queue would drain without a
            // path: stopping here gives the same result sooner.
            if n_visited == g {
                break;
            }
            for &u in &a.lists[gr] {
                for h in scan(u as usize) {
                    if visited[h] || conflict(h, u as usize) {
                        continue;
                    }
                    visited[h] = true;
                    n_visited += 1;
                    parent[h] = Some((gr, u));
                    if a.lists[h].len() < capacity(h) {
                        end = Some(h);
                        break 'search;
                    }
                    queue.push_back(h);
                }
            }
        }
        let Some(mut h) = end else {
            continue;
        };
        a.augmenting_paths += 1;
        while let Some((gr, u)) = parent[h] {
            if let Some(pos) = a.lists[gr].iter().position(|&x| x == u) {
                a.lists[gr].remove(pos);
            }
            a.lists[h].push(u);
            a.group_of[u as usize] = Some(h as u32);
            h = gr;
        }
        a.lists[h].push(j as u32);
        a.group_of[j] = Some(h as u32);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_conflicts_targets_go_round_robin() {
        let a = assign(7, 3, |_, _| false);
        assert_eq!(a.lists, vec![vec![0, 3, 6], vec![1, 4], vec![2, 5]]);
        assert_eq!(a.augmenting_paths, 0);
    }

    #[test]
    fn a_conflict_is_resolved_by_moving_an_earlier_target() {
        // Two groups of capacity 1. Target 0 → group 0. Target 1 conflicts with group 1 and group 0 is full:
        // the search moves target 0 to group 1 and gives group 0 to target 1.
        let a = assign(2, 2, |h, t| t == 1 && h == 1);
        assert_eq!(a.lists, vec![vec![1], vec![0]]);
        assert_eq!(a.group_of, vec![Some(1), Some(0)]);
        assert_eq!(a.augmenting_paths, 1);
    }

    #[test]
    fn a_target_that_conflicts_with_every_group_is_unassigned() {
        let a = assign(3, 2, |_, t| t == 1);
        assert_eq!(a.group_of, vec![Some(0), None, Some(0)]);
        assert_eq!(a.lists, vec![vec![0, 2], vec![]]);
    }

    #[test]
    fn longer_paths_follow_the_breadth_first_order() {
        // Three groups of capacity 1; targets 0, 1 assigned directly to groups 0, 1. Target 2 conflicts with
        // group 2, target 1 conflicts with group 2 too, target 0 may go anywhere. From the queue [0, 1]:
        // group 0's target 0 scans 0 (visited), 1 (visited), 2 (free): path found, target 0 moves to 2.
        let conflicts = |h: usize, t: usize| h == 2 && (t == 1 || t == 2);
        let a = assign(3, 3, conflicts);
        assert_eq!(a.lists, vec![vec![2], vec![1], vec![0]]);
    }
}
