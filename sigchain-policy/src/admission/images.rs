//! The images of a workload, each with the JSON pointer of its `image` field.
//!
//! Where pod specs live follows Kyverno's `pkg/utils/api/image.go` (`registeredExtractors`):
//! `Pod` at `/spec`; `Deployment`, `ReplicaSet`, `StatefulSet`, `DaemonSet`, `Job` and
//! `ReplicationController` at `/spec/template/spec`; `CronJob` at
//! `/spec/jobTemplate/spec/template/spec`. Any other kind has no images. Lists are read in
//! Kyverno's order: `initContainers`, `containers`, `ephemeralContainers`.
//!
//! Ephemeral containers arrive through the `pods/ephemeralcontainers` subresource: the
//! request's kind is still `Pod` and its object the whole Pod, so they are read like the rest.
//! A `deployments/scale` request carries a `Scale` object: no images. Which kind to pass is
//! the request's `kind.kind` (the object's own `kind` says the same for these resources).
//!
//! Kyverno skips an `image` that is missing, not a string or blank; so do we, but each skip
//! is reported as an [`ImageProblem`] so that an engine that fails closed can refuse it.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::AdmissionLimits;

/// Which container list of a pod spec an image was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ContainerList {
    /// `initContainers`.
    InitContainers,
    /// `containers`.
    Containers,
    /// `ephemeralContainers`.
    EphemeralContainers,
}

impl ContainerList {
    /// In Kyverno's order.
    pub const ALL: [ContainerList; 3] = [
        ContainerList::InitContainers,
        ContainerList::Containers,
        ContainerList::EphemeralContainers,
    ];

    /// The field name in a pod spec.
    pub fn field(self) -> &'static str {
        match self {
            ContainerList::InitContainers => "initContainers",
            ContainerList::Containers => "containers",
            ContainerList::EphemeralContainers => "ephemeralContainers",
        }
    }
}

impl fmt::Display for ContainerList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.field())
    }
}

/// An RFC 6901 JSON pointer, built from unescaped segments (`~` is written `~0`, `/` `~1`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JsonPointer(String);

impl JsonPointer {
    /// The pointer to the whole document (the empty string).
    pub fn root() -> Self {
        JsonPointer(String::new())
    }

    /// The pointer made of these reference tokens, each escaped.
    ///
    /// ```
    /// use sigchain_policy::admission::JsonPointer;
    /// let pointer = JsonPointer::from_segments(["metadata", "annotations", "a/b~c"]);
    /// assert_eq!(pointer.as_str(), "/metadata/annotations/a~1b~0c");
    /// assert_eq!(pointer.segments(), vec!["metadata", "annotations", "a/b~c"]);
    /// ```
    pub fn from_segments<S: AsRef<str>>(segments: impl IntoIterator<Item = S>) -> Self {
        let mut pointer = JsonPointer::root();
        for segment in segments {
            pointer.push(segment.as_ref());
        }
        pointer
    }

    /// Append one reference token, escaped (`~` before `/`, as RFC 6901 section 3 requires
    /// so that `~1` in the input stays `~01`).
    pub fn push(&mut self, segment: &str) {
        self.0.push('/');
        for c in segment.chars() {
            match c {
                '~' => self.0.push_str("~0"),
                '/' => self.0.push_str("~1"),
                c => self.0.push(c),
            }
        }
    }

    /// The pointer text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The unescaped reference tokens (`~1` to `/` first, then `~0` to `~`, RFC 6901
    /// section 4).
    pub fn segments(&self) -> Vec<String> {
        self.0
            .split('/')
            .skip(1)
            .map(|token| token.replace("~1", "/").replace("~0", "~"))
            .collect()
    }
}

impl fmt::Display for JsonPointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One image of a workload, as written in its spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadImage {
    /// The image string exactly as written (not normalized).
    pub image: String,
    /// The container's `name` (absent or not a string: `None`).
    pub container_name: Option<String>,
    /// Which list the container is in.
    pub list: ContainerList,
    /// Where the container is in its list.
    pub index: usize,
    /// The pointer to the `image` field, e.g. `/spec/template/spec/containers/0/image`.
    pub pointer: JsonPointer,
}

/// Why a container entry gave no image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ImageProblemKind {
    /// The entry is not a JSON object.
    NotAnObject,
    /// The entry has no `image` field.
    Missing,
    /// `image` is not a string.
    NotAString,
    /// `image` is empty or only whitespace.
    Blank,
}

/// A container entry that gave no image, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageProblem {
    /// Where the `image` field is or should be.
    pub pointer: JsonPointer,
    /// What is wrong.
    pub kind: ImageProblemKind,
}

/// The images found in a workload, and the container entries that had none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkloadImages {
    /// Images in Kyverno's order (init, regular, ephemeral; each list in order).
    pub images: Vec<WorkloadImage>,
    /// Container entries without a usable image.
    pub problems: Vec<ImageProblem>,
    /// Whether the kind is one whose pod spec is read at all (a `ConfigMap` is not).
    pub kind_has_pod_spec: bool,
}

/// Why images could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImagesError {
    /// More container entries than [`AdmissionLimits::max_images`].
    #[error("workload has more than {max} containers")]
    TooManyContainers {
        /// The limit.
        max: usize,
    },
    /// A container list is present but not an array.
    #[error("{pointer} is not an array")]
    ListNotAnArray {
        /// The pointer of the list.
        pointer: JsonPointer,
    },
}

/// Where the pod spec of a kind lives, as pointer segments; `None` for kinds without one.
fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "Pod" => Some(&["spec"]),
        "Deployment"
        | "ReplicaSet"
        | "StatefulSet"
        | "DaemonSet"
        | "Job"
        | "ReplicationController" => Some(&["spec", "template", "spec"]),
        "CronJob" => Some(&["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => None,
    }
}

/// The images of `object`, a workload of `kind` (the request's `kind.kind`, matched
/// case-sensitively as Kyverno does; the API group is not looked at).
///
/// A missing `object` (a `DELETE`) or missing pod spec gives no images. A container list
/// that is present but not an array is an error, as are more than
/// [`AdmissionLimits::max_images`] entries in all.
pub fn workload_images(
    kind: &str,
    object: Option<&Value>,
    limits: &AdmissionLimits,
) -> Result<WorkloadImages, ImagesError> {
    let mut found = WorkloadImages::default();
    let Some(path) = pod_spec_path(kind) else {
        return Ok(found);
    };
    found.kind_has_pod_spec = true;
    let mut spec = object;
    for segment in path {
        spec = spec.and_then(|value| value.get(segment));
    }
    let Some(spec) = spec else {
        return Ok(found);
    };
    let mut seen = 0usize;
    for list in ContainerList::ALL {
        let mut list_pointer = JsonPointer::from_segments(path);
        list_pointer.push(list.field());
        let entries = match spec.get(list.field()) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(entries)) => entries,
            Some(_) => {
                return Err(ImagesError::ListNotAnArray {
                    pointer: list_pointer,
                })
            }
        };
        seen = seen.saturating_add(entries.len());
        if seen > limits.max_images {
            return Err(ImagesError::TooManyContainers {
                max: limits.max_images,
            });
        }
        for (index, entry) in entries.iter().enumerate() {
            let mut pointer = list_pointer.clone();
            pointer.push(&index.to_string());
            pointer.push("image");
            let problem = |kind| ImageProblem {
                pointer: pointer.clone(),
                kind,
            };
            let Some(container) = entry.as_object() else {
                found.problems.push(problem(ImageProblemKind::NotAnObject));
                continue;
            };
            let image = match container.get("image") {
                None | Some(Value::Null) => {
                    found.problems.push(problem(ImageProblemKind::Missing));
                    continue;
                }
                Some(Value::String(image)) if image.trim().is_empty() => {
                    found.problems.push(problem(ImageProblemKind::Blank));
                    continue;
                }
                Some(Value::String(image)) => image.clone(),
                Some(_) => {
                    found.problems.push(problem(ImageProblemKind::NotAString));
                    continue;
                }
            };
            found.images.push(WorkloadImage {
                image,
                container_name: container
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                list,
                index,
                pointer,
            });
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointer_escapes_tilde_before_slash() {
        // "~1" must become "~01", not "~~1"-style ambiguity: escape '~' first.
        let pointer = JsonPointer::from_segments(["~1", "a/b", "~", ""]);
        assert_eq!(pointer.as_str(), "/~01/a~1b/~0/");
        assert_eq!(pointer.segments(), vec!["~1", "a/b", "~", ""]);
    }

    #[test]
    fn kinds_without_pod_spec_have_no_images() {
        let object = json!({"spec": {"containers": [{"image": "x"}]}});
        let found = workload_images("ConfigMap", Some(&object), &AdmissionLimits::default())
            .expect("no error");
        assert!(found.images.is_empty());
        assert!(!found.kind_has_pod_spec);
    }

    #[test]
    fn kind_is_case_sensitive() {
        let object = json!({"spec": {"containers": [{"image": "x"}]}});
        let found =
            workload_images("pod", Some(&object), &AdmissionLimits::default()).expect("no error");
        assert!(found.images.is_empty());
    }

    #[test]
    fn problems_are_reported_not_dropped() {
        let object = json!({"spec": {"containers": [
            {"name": "a"}, {"name": "b", "image": 7}, {"name": "c", "image": "  "}, "str",
            {"name": "d", "image": null}, {"image": "ok"}
        ]}});
        let found =
            workload_images("Pod", Some(&object), &AdmissionLimits::default()).expect("no error");
        let kinds: Vec<_> = found.problems.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            vec![
                ImageProblemKind::Missing,
                ImageProblemKind::NotAString,
                ImageProblemKind::Blank,
                ImageProblemKind::NotAnObject,
                ImageProblemKind::Missing,
            ]
        );
        assert_eq!(found.images.len(), 1);
        assert_eq!(found.images[0].pointer.as_str(), "/spec/containers/5/image");
        assert_eq!(found.images[0].container_name, None);
    }

    #[test]
    fn list_that_is_not_an_array_is_an_error() {
        let object = json!({"spec": {"template": {"spec": {"initContainers": {"image": "x"}}}}});
        let error = workload_images("Job", Some(&object), &AdmissionLimits::default())
            .expect_err("an object where an array belongs");
        assert_eq!(
            error,
            ImagesError::ListNotAnArray {
                pointer: JsonPointer::from_segments(["spec", "template", "spec", "initContainers"])
            }
        );
    }

    #[test]
    fn container_count_is_bounded_across_lists() {
        let limits = AdmissionLimits {
            max_images: 3,
            ..AdmissionLimits::default()
        };
        let two = json!([{"image": "a"}, {"image": "b"}]);
        let object = json!({"spec": {"containers": two, "initContainers": two}});
        assert_eq!(
            workload_images("Pod", Some(&object), &limits),
            Err(ImagesError::TooManyContainers { max: 3 })
        );
        let object = json!({"spec": {"containers": two}});
        assert_eq!(
            workload_images("Pod", Some(&object), &limits)
                .expect("within the bound")
                .images
                .len(),
            2
        );
    }

    #[test]
    fn missing_object_or_spec_gives_nothing() {
        let limits = AdmissionLimits::default();
        assert!(workload_images("Pod", None, &limits)
            .expect("no error")
            .images
            .is_empty());
        let object = json!({"spec": {"jobTemplate": {}}});
        assert!(workload_images("CronJob", Some(&object), &limits)
            .expect("no error")
            .images
            .is_empty());
        let object = json!("a string");
        assert!(workload_images("Deployment", Some(&object), &limits)
            .expect("no error")
            .images
            .is_empty());
    }
}
