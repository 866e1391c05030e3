package dev.topiary.recipe;

import java.util.SplittableRandom;

/**
 * A corpus Topiary writes itself, for the demo on a machine with no model or data: short
 * stories from a small grammar (characters, places, objects, feelings; a beginning, a problem,
 * a resolution). Regular enough for a tiny model to learn in minutes, varied enough to measure.
 */
public final class StoryCorpus {
    private StoryCorpus() {}

    private static final String[] NAMES = {"Lily", "Tom", "Sam", "Mia", "Ben", "Anna", "Max", "Lucy", "Tim", "Sara"};
    private static final String[] ANIMALS = {"cat", "dog", "bird", "frog", "bunny", "duck", "fox", "bear"};
    private static final String[] PLACES = {"park", "garden", "forest", "beach", "house", "school", "farm", "lake"};
    private static final String[] THINGS = {"ball", "kite", "box", "hat", "car", "book", "cake", "flower", "toy", "boat"
    };
    private static final String[] COLORS = {"red", "blue", "big", "little", "shiny", "green", "yellow", "soft"};
    private static final String[] FEELINGS = {"happy", "sad", "scared", "excited", "proud", "tired", "surprised"};

    public static String generate(int stories, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < stories; i++) {
            String name = pick(r, NAMES),
                    friend = pick(r, NAMES),
                    animal = pick(r, ANIMALS),
                    place = pick(r, PLACES),
                    thing = pick(r, THINGS),
                    color = pick(r, COLORS),
                    feel = pick(r, FEELINGS);
            if (friend.equals(name)) friend = "the " + animal;
            b.append("Once upon a time, there was a ")
                    .append(r.nextBoolean() ? "little girl" : "little boy")
                    .append(" named ")
                    .append(name)
                    .append(". ")
                    .append(name)
                    .append(" liked to play in the ")
                    .append(place)
                    .append(" with a ")
                    .append(color)
                    .append(' ')
                    .append(thing)
                    .append(". One day, ")
                    .append(name)
                    .append(" saw a ")
                    .append(animal)
                    .append(" near the ")
                    .append(thing)
                    .append(". The ")
                    .append(animal)
                    .append(" was ")
                    .append(feel)
                    .append(". ");
            switch (r.nextInt(3)) {
                case 0 ->
                    b.append(name)
                            .append(" gave the ")
                            .append(thing)
                            .append(" to the ")
                            .append(animal)
                            .append(". The ")
                            .append(animal)
                            .append(" was happy and said thank you. ");
                case 1 ->
                    b.append("The ")
                            .append(thing)
                            .append(" fell into the ")
                            .append(pick(r, PLACES))
                            .append(". ")
                            .append(friend)
                            .append(" helped ")
                            .append(name)
                            .append(" find it. ");
                default ->
                    b.append(name)
                            .append(" and ")
                            .append(friend)
                            .append(" played with the ")
                            .append(animal)
                            .append(" all day. ");
            }
            b.append("At the end of the day, ")
                    .append(name)
                    .append(" went home and felt ")
                    .append(pick(r, FEELINGS))
                    .append(".\n\n");
        }
        return b.toString();
    }

    private static String pick(SplittableRandom r, String[] a) {
        return a[r.nextInt(a.length)];
    }
}
