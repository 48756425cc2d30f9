"""The zero-shot rule's constants, shared by text categories (indexing.query.categories) and
subject tags (indexing.models.subjects): prompt templates, neutral prompts, CLIP's logit scale,
and how close a neutral prompt may come to the category before it is dropped."""

TEMPLATES = ("a photo of {}.", "an image of {}.", "{}")
NEUTRAL_PROMPTS = (
    "a photo",
    "a photo of an object",
    "a photo of a person",
    "a photo of people",
    "a photo of an animal",
    "a landscape photo",
    "a photo of a city street",
    "a photo of a building",
    "a photo of a room",
    "a photo of food",
    "a photo of a plant",
    "a photo of a vehicle",
    "a drawing",
    "a painting",
    "a screenshot of a computer screen",
    "a photo of a document with text",
)
LOGIT_SCALE = 100.0
NEUTRAL_TOO_CLOSE = 0.9
